fn main() -> std::process::ExitCode {
    xtask::run()
}
