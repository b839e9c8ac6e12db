//! A pseudo-terminal for a child's standard input: the tool sees a terminal there (its prompts
//! ask), and what the test types goes in through the other end, as a person types it.

use std::ffi::CStr;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::fd::FromRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::process::Stdio;

pub struct Pty {
    typing: File,
    terminal: File,
}

impl Pty {
    pub fn open() -> Pty {
        // SAFETY: plain pty calls on a descriptor this function owns; the name buffer is large
        // enough and NUL-terminated by ptsname_r.
        unsafe {
            let fd = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
            assert!(fd >= 0, "posix_openpt failed");
            assert_eq!(libc::grantpt(fd), 0);
            assert_eq!(libc::unlockpt(fd), 0);
            let mut name = [0 as libc::c_char; 256];
            assert_eq!(libc::ptsname_r(fd, name.as_mut_ptr(), name.len()), 0);
            let path = CStr::from_ptr(name.as_ptr()).to_str().unwrap().to_string();
            let terminal = OpenOptions::new()
                .read(true)
                .write(true)
                .custom_flags(libc::O_NOCTTY)
                .open(path)
                .unwrap();
            Pty {
                typing: File::from_raw_fd(fd),
                terminal,
            }
        }
    }

    /// The terminal end, for a child's stdin.
    pub fn stdin(&self) -> Stdio {
        Stdio::from(self.terminal.try_clone().unwrap())
    }

    /// Type `text` (lines end with `\n`).
    pub fn type_in(&mut self, text: &str) {
        self.typing.write_all(text.as_bytes()).unwrap();
    }
}
