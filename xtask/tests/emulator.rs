//! The end-to-end tests on moto: one test binary, so the two long runs (applying both roots,
//! and the deploy workflow) wait on the emulator side by side instead of one after the other.

mod support;

mod emulator {
    mod accounts;
    mod adopt;
    mod apply;
    mod deploy;
    mod interrupt;
    mod release;
}
