//! Loader and runner for known-answer test vectors in the project's uniform JSON format
//! (`vectors/README.md`): `{"source", "algorithm", "tests": [{"tcId", ...}]}`
//! with lowercase-hex byte strings. It takes any file of that shape, not only the shipped
//! ones: a structural problem (bad JSON, missing or non-hex field, wrong fixed size) is a
//! [`CryptoError::Vector`] naming the file and the tcId; a case this implementation cannot
//! take (a GCM nonce other than 96 bits, a truncated tag, an unknown algorithm) is
//! skipped with a reason. Messages never quote field values, so no key byte is printed.
//!
//! Algorithms: `AES-256-CTR`, `AES-256-GCM`, `HKDF-SHA256`, `AES-KW`, and two used by
//! SSE-C, `MD5` (`msg`, `digest`) and `HMAC-SHA256` (`key`, `msg`, `mac`).

use std::path::{Path, PathBuf};

use hmac::{KeyInit as _, Mac};
use md5::{Digest, Md5};
use serde_json::Value;

use super::ctr::Aes256Ctr;
use super::error::CryptoError;
use super::gcm::Aes256Gcm;
use super::kdf::{HKDF_MAX_OUTPUT, hkdf_sha256, hkdf_sha256_extract};
use super::keywrap::KeyWrapper;

/// A loaded vector file.
#[derive(Debug, Clone)]
pub struct VectorFile {
    /// Where it came from (for messages); `builtin:NAME` for embedded files.
    pub path: PathBuf,
    /// The `algorithm` string as written.
    pub algorithm: String,
    pub source: Option<String>,
    pub tests: Vec<VectorTest>,
}

/// One test of a file.
#[derive(Debug, Clone)]
pub struct VectorTest {
    pub tc_id: i64,
    pub comment: Option<String>,
    pub case: Case,
}

/// Whether a test expects success or rejection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Valid,
    Invalid,
}

/// A parsed test case.
#[derive(Debug, Clone)]
pub enum Case {
    Ctr {
        key: Vec<u8>,
        iv: Vec<u8>,
        pt: Vec<u8>,
        ct: Vec<u8>,
    },
    Gcm {
        key: Vec<u8>,
        iv: Vec<u8>,
        aad: Vec<u8>,
        pt: Vec<u8>,
        ct: Vec<u8>,
        tag: Vec<u8>,
        expect: Expect,
    },
    Hkdf {
        ikm: Vec<u8>,
        salt: Vec<u8>,
        info: Vec<u8>,
        len: usize,
        prk: Option<Vec<u8>>,
        okm: Vec<u8>,
    },
    Kw {
        kek: Vec<u8>,
        key_data: Vec<u8>,
        wrapped: Vec<u8>,
        expect: Expect,
    },
    Md5 {
        msg: Vec<u8>,
        digest: Vec<u8>,
    },
    HmacSha256 {
        key: Vec<u8>,
        msg: Vec<u8>,
        mac: Vec<u8>,
    },
    /// A case this implementation cannot take, with the reason.
    Unsupported(String),
}

/// The result of running one test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail(String),
    Skip(String),
}

/// Loads one file.
pub fn load_file(path: &Path) -> Result<VectorFile, CryptoError> {
    let text = crate::input::read_text(path, crate::input::InputKind::Vectors).map_err(|e| {
        CryptoError::Vector {
            file: path.to_path_buf(),
            tc_id: None,
            msg: e.reason(),
        }
    })?;
    parse(path, &text)
}

/// Every `*.json` file of `dir`, in name order. An unreadable or missing directory is an
/// error naming it.
pub fn load_dir(dir: &Path) -> Result<Vec<VectorFile>, CryptoError> {
    let rd = std::fs::read_dir(dir).map_err(|e| CryptoError::Vector {
        file: dir.to_path_buf(),
        tc_id: None,
        msg: format!("cannot read vector directory: {e}"),
    })?;
    // Every `*.json` entry is read, so one that is not a regular file (a FIFO, a directory, a
    // link to a device) is named by `load_file` rather than passed over in silence.
    let mut paths: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(CryptoError::Vector {
            file: dir.to_path_buf(),
            tc_id: None,
            msg: "holds no *.json vector file".into(),
        });
    }
    paths.iter().map(|p| load_file(p)).collect()
}

/// The repository's vector files (`vectors/*.json`, published known-answer vectors; their
/// sources and licences are in `vectors/README.md`), embedded in the binary so that
/// `bksim crypto selftest` runs them all wherever it is installed. A test checks that this
/// list names exactly the files of the directory.
pub const BUILTIN_FILES: [(&str, &str); 10] = [
    (
        "aes256_ctr.json",
        include_str!("../../vectors/aes256_ctr.json"),
    ),
    (
        "aes256_ctr_sp800_38a.json",
        include_str!("../../vectors/aes256_ctr_sp800_38a.json"),
    ),
    (
        "aes256_gcm.json",
        include_str!("../../vectors/aes256_gcm.json"),
    ),
    (
        "aes256_gcm_nist.json",
        include_str!("../../vectors/aes256_gcm_nist.json"),
    ),
    ("aes_kw.json", include_str!("../../vectors/aes_kw.json")),
    (
        "aes_kw_rfc3394.json",
        include_str!("../../vectors/aes_kw_rfc3394.json"),
    ),
    (
        "hkdf_sha256.json",
        include_str!("../../vectors/hkdf_sha256.json"),
    ),
    (
        "hkdf_sha256_rfc5869.json",
        include_str!("../../vectors/hkdf_sha256_rfc5869.json"),
    ),
    (
        "hmac_sha256.json",
        include_str!("../../vectors/hmac_sha256.json"),
    ),
    ("md5.json", include_str!("../../vectors/md5.json")),
];

/// The built-in vectors ([`BUILTIN_FILES`]), parsed; each file is named `builtin:<file>`.
pub fn builtin() -> Vec<VectorFile> {
    BUILTIN_FILES
        .iter()
        .map(|(name, text)| {
            parse(Path::new(&format!("builtin:{name}")), text)
                .expect("built-in vectors are well formed")
        })
        .collect()
}

/// Parses a vector file's text; `path` is used in messages.
pub fn parse(path: &Path, text: &str) -> Result<VectorFile, CryptoError> {
    let err = |tc_id: Option<i64>, msg: String| CryptoError::Vector {
        file: path.to_path_buf(),
        tc_id,
        msg,
    };
    let doc: Value =
        serde_json::from_str(text).map_err(|e| err(None, format!("not valid JSON: {e}")))?;
    let obj = doc
        .as_object()
        .ok_or_else(|| err(None, "top level is not a JSON object".into()))?;
    let algorithm = obj
        .get("algorithm")
        .ok_or_else(|| err(None, "missing field `algorithm`".into()))?
        .as_str()
        .ok_or_else(|| err(None, "field `algorithm` is not a string".into()))?
        .to_string();
    let source = obj
        .get("source")
        .and_then(Value::as_str)
        .map(str::to_string);
    let tests = obj
        .get("tests")
        .ok_or_else(|| err(None, "missing field `tests`".into()))?
        .as_array()
        .ok_or_else(|| err(None, "field `tests` is not an array".into()))?;
    let mut out = Vec::with_capacity(tests.len());
    for (i, t) in tests.iter().enumerate() {
        let t = t
            .as_object()
            .ok_or_else(|| err(None, format!("test #{} is not a JSON object", i + 1)))?;
        let tc_id = match t.get("tcId") {
            Some(v) => v
                .as_i64()
                .ok_or_else(|| err(None, format!("test #{}: `tcId` is not an integer", i + 1)))?,
            None => return Err(err(None, format!("test #{}: missing field `tcId`", i + 1))),
        };
        let f = Fields {
            t,
            tc_id,
            err: &err,
        };
        let case = match algorithm.as_str() {
            "AES-256-CTR" => {
                let (key, iv, pt, ct) = (
                    f.hex_len("key", 32)?,
                    f.hex_len("iv", 16)?,
                    f.hex("pt")?,
                    f.hex("ct")?,
                );
                if pt.len() != ct.len() {
                    return Err(err(Some(tc_id), "`pt` and `ct` differ in length".into()));
                }
                Case::Ctr { key, iv, pt, ct }
            }
            "AES-256-GCM" => {
                let key = f.hex_len("key", 32)?;
                let iv = f.hex("iv")?;
                let (aad, pt, ct, tag) = (f.hex("aad")?, f.hex("pt")?, f.hex("ct")?, f.hex("tag")?);
                let expect = f.expect(true)?;
                if pt.len() != ct.len() && expect == Expect::Valid {
                    return Err(err(Some(tc_id), "`pt` and `ct` differ in length".into()));
                }
                if iv.len() != 12 {
                    Case::Unsupported(format!(
                        "{}-bit nonce: only 96-bit GCM nonces are supported",
                        iv.len() * 8
                    ))
                } else if tag.len() != 16 {
                    Case::Unsupported(format!(
                        "{}-bit tag: only 128-bit GCM tags are supported",
                        tag.len() * 8
                    ))
                } else {
                    Case::Gcm {
                        key,
                        iv,
                        aad,
                        pt,
                        ct,
                        tag,
                        expect,
                    }
                }
            }
            "HKDF-SHA256" => {
                let len = f.uint("L")?;
                let (ikm, salt, info, okm) =
                    (f.hex("ikm")?, f.hex("salt")?, f.hex("info")?, f.hex("okm")?);
                let prk = f.opt_hex("prk")?;
                if okm.len() != len {
                    return Err(err(
                        Some(tc_id),
                        format!("`okm` is {} bytes but `L` is {len}", okm.len()),
                    ));
                }
                if len > HKDF_MAX_OUTPUT {
                    return Err(err(Some(tc_id), format!("`L` = {len} exceeds 255 * 32")));
                }
                Case::Hkdf {
                    ikm,
                    salt,
                    info,
                    len,
                    prk,
                    okm,
                }
            }
            "AES-KW" => {
                let kek = f.hex_len("kek", 32)?;
                let (key_data, wrapped) = (f.hex("key_data")?, f.hex("wrapped")?);
                let expect = f.expect(false)?;
                if expect == Expect::Valid && wrapped.len() != key_data.len() + 8 {
                    return Err(err(
                        Some(tc_id),
                        "`wrapped` must be 8 bytes longer than `key_data`".into(),
                    ));
                }
                Case::Kw {
                    kek,
                    key_data,
                    wrapped,
                    expect,
                }
            }
            "MD5" => Case::Md5 {
                msg: f.hex("msg")?,
                digest: f.hex_len("digest", 16)?,
            },
            "HMAC-SHA256" => Case::HmacSha256 {
                key: f.hex("key")?,
                msg: f.hex("msg")?,
                mac: f.hex("mac")?,
            },
            other => Case::Unsupported(format!("algorithm {other:?} is not supported")),
        };
        let comment = t.get("comment").and_then(Value::as_str).map(str::to_string);
        out.push(VectorTest {
            tc_id,
            comment,
            case,
        });
    }
    Ok(VectorFile {
        path: path.to_path_buf(),
        algorithm,
        source,
        tests: out,
    })
}

struct Fields<'a, E: Fn(Option<i64>, String) -> CryptoError> {
    t: &'a serde_json::Map<String, Value>,
    tc_id: i64,
    err: &'a E,
}

impl<E: Fn(Option<i64>, String) -> CryptoError> Fields<'_, E> {
    fn opt_hex(&self, name: &str) -> Result<Option<Vec<u8>>, CryptoError> {
        let Some(v) = self.t.get(name) else {
            return Ok(None);
        };
        let s = v.as_str().ok_or_else(|| {
            (self.err)(Some(self.tc_id), format!("field `{name}` is not a string"))
        })?;
        hex::decode(s)
            .map(Some)
            .map_err(|_| (self.err)(Some(self.tc_id), format!("field `{name}` is not valid hex")))
    }

    fn hex(&self, name: &str) -> Result<Vec<u8>, CryptoError> {
        self.opt_hex(name)?
            .ok_or_else(|| (self.err)(Some(self.tc_id), format!("missing field `{name}`")))
    }

    fn hex_len(&self, name: &str, len: usize) -> Result<Vec<u8>, CryptoError> {
        let v = self.hex(name)?;
        if v.len() != len {
            return Err((self.err)(
                Some(self.tc_id),
                format!("field `{name}` must be {len} bytes, is {}", v.len()),
            ));
        }
        Ok(v)
    }

    fn uint(&self, name: &str) -> Result<usize, CryptoError> {
        self.t
            .get(name)
            .ok_or_else(|| (self.err)(Some(self.tc_id), format!("missing field `{name}`")))?
            .as_u64()
            .map(|v| v as usize)
            .ok_or_else(|| {
                (self.err)(
                    Some(self.tc_id),
                    format!("field `{name}` is not a non-negative integer"),
                )
            })
    }

    /// `result`: "valid" or "invalid"; required when `required`, else defaults to valid.
    fn expect(&self, required: bool) -> Result<Expect, CryptoError> {
        match self.t.get("result") {
            None if !required => Ok(Expect::Valid),
            None => Err((self.err)(
                Some(self.tc_id),
                "missing field `result`".into(),
            )),
            Some(v) => match v.as_str() {
                Some("valid") => Ok(Expect::Valid),
                Some("invalid") => Ok(Expect::Invalid),
                _ => Err((self.err)(
                    Some(self.tc_id),
                    "field `result` must be \"valid\" or \"invalid\"".into(),
                )),
            },
        }
    }
}

/// Runs one test on the backend this process uses for its mode.
pub fn run(case: &Case) -> Outcome {
    let b = super::active_backends();
    let backend = match case {
        Case::Gcm { .. } => b.gcm,
        _ => b.ctr,
    };
    run_with_backend(case, backend)
}

/// Runs one test on a given backend.
pub fn run_with_backend(case: &Case, backend: super::Backend) -> Outcome {
    let check = |ok: bool, what: &str| {
        if ok {
            Outcome::Pass
        } else {
            Outcome::Fail(what.to_string())
        }
    };
    match case {
        Case::Ctr { key, iv, pt, ct } => {
            let key: &[u8; 32] = key.as_slice().try_into().expect("checked at load");
            let iv: &[u8; 16] = iv.as_slice().try_into().expect("checked at load");
            let c = Aes256Ctr::with_backend(key, backend);
            let mut enc = pt.clone();
            c.apply_keystream(iv, &mut enc);
            if enc != *ct {
                return Outcome::Fail("encryption does not give `ct`".into());
            }
            let mut dec = ct.clone();
            c.apply_keystream(iv, &mut dec);
            check(dec == *pt, "decryption does not give `pt`")
        }
        Case::Gcm {
            key,
            iv,
            aad,
            pt,
            ct,
            tag,
            expect,
        } => {
            let key: &[u8; 32] = key.as_slice().try_into().expect("checked at load");
            let iv: &[u8; 12] = iv.as_slice().try_into().expect("checked at load");
            let tag: &[u8; 16] = tag.as_slice().try_into().expect("checked at load");
            let g = Aes256Gcm::with_backend(key, backend);
            let mut dec = ct.clone();
            let opened = g.open_in_place(iv, aad, &mut dec, tag);
            match expect {
                Expect::Invalid => check(opened.is_err(), "decryption accepted an invalid case"),
                Expect::Valid => {
                    let mut enc = pt.clone();
                    match g.seal_in_place(iv, aad, &mut enc) {
                        Ok(t) if enc == *ct && t == *tag => {}
                        Ok(_) => {
                            return Outcome::Fail("encryption does not give `ct` and `tag`".into());
                        }
                        Err(e) => return Outcome::Fail(format!("encryption failed: {e}")),
                    }
                    check(
                        opened.is_ok() && dec == *pt,
                        "decryption does not give `pt`",
                    )
                }
            }
        }
        Case::Hkdf {
            ikm,
            salt,
            info,
            len,
            prk,
            okm,
        } => {
            if let Some(prk) = prk
                && hkdf_sha256_extract(salt, ikm).as_slice() != prk.as_slice()
            {
                return Outcome::Fail("extract does not give `prk`".into());
            }
            let mut out = vec![0u8; *len];
            match hkdf_sha256(salt, ikm, info, &mut out) {
                Ok(()) => check(out == *okm, "expand does not give `okm`"),
                Err(e) => Outcome::Fail(e.to_string()),
            }
        }
        Case::Kw {
            kek,
            key_data,
            wrapped,
            expect,
        } => {
            let kek: &[u8; 32] = kek.as_slice().try_into().expect("checked at load");
            let w = KeyWrapper::new(kek);
            match expect {
                Expect::Invalid => check(
                    w.unwrap(wrapped).is_err(),
                    "unwrap accepted an invalid case",
                ),
                Expect::Valid => {
                    match w.wrap(key_data) {
                        Ok(x) if x == *wrapped => {}
                        Ok(_) => return Outcome::Fail("wrap does not give `wrapped`".into()),
                        Err(e) => return Outcome::Fail(format!("wrap failed: {e}")),
                    }
                    match w.unwrap(wrapped) {
                        Ok(k) => check(k[..] == key_data[..], "unwrap does not give `key_data`"),
                        Err(e) => Outcome::Fail(format!("unwrap failed: {e}")),
                    }
                }
            }
        }
        Case::Md5 { msg, digest } => check(
            Md5::digest(msg).as_slice() == digest.as_slice(),
            "digest differs",
        ),
        Case::HmacSha256 { key, msg, mac } => {
            let mut m =
                <hmac::Hmac<sha2::Sha256>>::new_from_slice(key).expect("HMAC takes any key length");
            m.update(msg);
            check(
                m.finalize().into_bytes().as_slice() == mac.as_slice(),
                "MAC differs",
            )
        }
        Case::Unsupported(why) => Outcome::Skip(why.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_vectors_pass_on_every_backend() {
        let backends = super::super::Backend::available();
        if !super::super::backend::vaes512_available() {
            eprintln!("SKIPPED for VAES-512: this CPU lacks it; the other backends are tested");
        }
        let mut skipped = Vec::new();
        for f in builtin() {
            for t in &f.tests {
                for &b in &backends {
                    match run_with_backend(&t.case, b) {
                        Outcome::Pass => {}
                        Outcome::Skip(why) => {
                            assert!(why.contains("nonce"), "{why}");
                            skipped.push((f.path.display().to_string(), t.tc_id));
                        }
                        Outcome::Fail(why) => {
                            panic!("{} tcId {}: {why}", f.path.display(), t.tc_id)
                        }
                    }
                }
            }
        }
        // Only the 64- and 480-bit GCM nonces, once per backend (aws-lc-rs and one of
        // rustcrypto/software everywhere, vaes512 too where the CPU has it).
        assert!(backends.len() >= 2);
        let gcm = "builtin:aes256_gcm_nist.json".to_string();
        let mut expected = vec![(gcm.clone(), 17); backends.len()];
        expected.extend(vec![(gcm, 18); backends.len()]);
        assert_eq!(skipped, expected);
    }

    /// The embedded list is exactly the repository's `vectors/*.json` (a file added to the
    /// directory but not to the list fails here), byte for byte.
    #[test]
    fn builtin_list_is_the_vectors_directory() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".json"))
            .collect();
        on_disk.sort();
        let listed: Vec<String> = BUILTIN_FILES.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(listed, on_disk);
        for (name, text) in BUILTIN_FILES {
            assert_eq!(std::fs::read_to_string(dir.join(name)).unwrap(), text);
        }
    }

    /// The directory loader reads `vectors/` to the same cases as the embedded copies.
    #[test]
    fn vector_directory_loads_as_builtin() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors");
        let ids = |files: Vec<VectorFile>| -> Vec<(String, Vec<i64>)> {
            files
                .into_iter()
                .map(|f| (f.algorithm, f.tests.iter().map(|t| t.tc_id).collect()))
                .collect()
        };
        let from_disk = ids(load_dir(&dir).unwrap());
        assert_eq!(from_disk.len(), BUILTIN_FILES.len());
        assert_eq!(from_disk, ids(builtin()));
    }

    #[test]
    fn malformed_files_name_file_and_test() {
        let p = Path::new("x.json");
        let e = parse(p, r#"{"algorithm":"AES-256-CTR","tests":[{"tcId":7,"key":"zz","iv":"","pt":"","ct":""}]}"#)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("x.json") && e.contains("tcId 7") && e.contains("`key`"),
            "{e}"
        );
        let e = parse(
            p,
            r#"{"algorithm":"AES-256-GCM","tests":[{"tcId":3,"key":"00"}]}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("tcId 3") && e.contains("32 bytes"), "{e}");
        let e = parse(p, r#"{"algorithm":"AES-KW","tests":[{"comment":"no id"}]}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("test #1") && e.contains("tcId"), "{e}");
        assert!(parse(p, "{").unwrap_err().to_string().contains("x.json"));
        assert!(
            parse(p, r#"{"tests":[]}"#)
                .unwrap_err()
                .to_string()
                .contains("algorithm")
        );
        let f = parse(p, r#"{"algorithm":"SHA-3","tests":[{"tcId":1}]}"#).unwrap();
        assert!(matches!(run(&f.tests[0].case), Outcome::Skip(_)));
    }
}
