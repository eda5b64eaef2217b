//! Runs `openssl speed -evp` (when the machine has `openssl`) so that `bksim crypto bench`
//! can print OpenSSL's figures beside bksim's, measured in the same run. Two threads are
//! measured as two `openssl speed` processes started together, their rates added: OpenSSL
//! 3.0's own `-multi` under-reports AEAD ciphers with `-bytes` on this kind of machine.

use std::process::{Command, Stdio};

use super::bench::Cipher;

/// The `openssl` program to run: `$OPENSSL` or `openssl` on the PATH.
fn program() -> String {
    std::env::var("OPENSSL")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "openssl".to_string())
}

/// `openssl version`, or `None` when there is no usable `openssl`.
pub fn version() -> Option<String> {
    let out = Command::new(program())
        .arg("version")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let v = String::from_utf8_lossy(&out.stdout);
    let line = v.lines().next()?.trim().to_string();
    (!line.is_empty()).then_some(line)
}

/// Bytes per second of `openssl speed -evp CIPHER -bytes SIZE -seconds SECONDS`, summed over
/// `threads` processes run at once; `None` when a process fails or prints no figure.
pub fn rate(cipher: Cipher, size: usize, threads: usize, seconds: u32) -> Option<f64> {
    let children: Vec<_> = (0..threads)
        .map(|_| {
            Command::new(program())
                .args(["speed", "-evp", cipher.name(), "-bytes"])
                .arg(size.to_string())
                .arg("-seconds")
                .arg(seconds.max(1).to_string())
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
        })
        .collect();
    let mut total = 0.0;
    let mut ok = true;
    for c in children {
        let Ok(c) = c else {
            ok = false;
            continue;
        };
        match c.wait_with_output() {
            Ok(o) if o.status.success() => {
                match parse(&String::from_utf8_lossy(&o.stdout), cipher) {
                    Some(r) => total += r,
                    None => ok = false,
                }
            }
            _ => ok = false,
        }
    }
    ok.then_some(total)
}

/// The figure of `openssl speed` output: the line `AES-256-GCM    3748659.20k` (thousands of
/// bytes per second), as bytes per second.
pub fn parse(out: &str, cipher: Cipher) -> Option<f64> {
    let name = cipher.name().to_ascii_uppercase();
    out.lines().find_map(|l| {
        let mut w = l.split_whitespace();
        if w.next()? != name {
            return None;
        }
        let v = w.next()?.strip_suffix('k')?;
        let k: f64 = v.parse().ok()?;
        (k.is_finite() && k > 0.0).then_some(k * 1000.0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_figure_line() {
        let out = "CPUINFO: OPENSSL_ia32cap=0xfffa3203078bffff:0x405fc6f1bf07ab\n\
                   The 'numbers' are in 1000s of bytes per second processed.\n\
                   type           1048576 bytes\n\
                   AES-256-GCM    3748659.20k\n";
        let r = parse(out, Cipher::Aes256Gcm).unwrap();
        assert!((r - 3_748_659_200.0).abs() < 1.0, "{r}");
        assert_eq!(parse(out, Cipher::Aes256Ctr), None);
        assert_eq!(parse("AES-256-CTR  12.5\n", Cipher::Aes256Ctr), None);
        assert_eq!(parse("AES-256-CTR  0.00k\n", Cipher::Aes256Ctr), None);
    }
}
