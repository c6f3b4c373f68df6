//! OBS buckets as folders (`--obs-dir DIR`): the bucket `bucket_name` of a backup import is
//! `DIR/bucket_name`, each `files[].file_name` a file in it (an object key with `/` is a
//! path below the bucket). Names that would leave the folder are refused, so a request body
//! can never make the emulator read outside `DIR`.

use std::path::{Path, PathBuf};

/// The file of object `key` in bucket `bucket` under `obs_dir`, or why the names are not
/// usable. Only the names are checked here; whether the file exists is the importer's
/// question.
pub fn object_path(obs_dir: &Path, bucket: &str, key: &str) -> Result<PathBuf, String> {
    let bucket_ok = !bucket.is_empty()
        && bucket.len() <= 63
        && bucket
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
        && bucket != "."
        && bucket != "..";
    if !bucket_ok {
        return Err(format!(
            "bucket_name {:?} is not a bucket name (1-63 letters, digits, '-', '.', '_')",
            shown(bucket)
        ));
    }
    let mut path = obs_dir.join(bucket);
    let mut parts = 0;
    for part in key.split('/') {
        let bad = part.is_empty()
            || part == "."
            || part == ".."
            || part.contains(['\\', '\0'])
            || part.chars().any(char::is_control);
        if bad {
            return Err(format!(
                "files[].file_name {:?} is not an object key of the bucket (no empty, '.' or '..' parts, no '\\' or control characters)",
                shown(key)
            ));
        }
        path.push(part);
        parts += 1;
    }
    if parts == 0 || key.len() > 1024 {
        return Err(format!(
            "files[].file_name {:?} is not an object key (1-1024 characters)",
            shown(key)
        ));
    }
    Ok(path)
}

/// At most 80 characters of `s`, for messages.
fn shown(s: &str) -> String {
    s.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_files_inside_the_bucket() {
        let root = Path::new("/obs");
        assert_eq!(
            object_path(root, "backups", "dump.rdb").unwrap(),
            Path::new("/obs/backups/dump.rdb")
        );
        assert_eq!(
            object_path(root, "b.1", "2024/06/dump.zip").unwrap(),
            Path::new("/obs/b.1/2024/06/dump.zip")
        );
        for (bucket, key) in [
            ("..", "x"),
            ("a/b", "x"),
            ("", "x"),
            ("b", "../etc/passwd"),
            ("b", "/etc/passwd"),
            ("b", "a//b"),
            ("b", "a\\..\\b"),
            ("b", ""),
            ("b", "x/./y"),
        ] {
            let e = object_path(root, bucket, key).unwrap_err();
            assert!(e.contains("bucket_name") || e.contains("file_name"), "{e}");
        }
    }

    proptest::proptest! {
        /// Whatever the names, the answer is refused or a path strictly inside the OBS
        /// folder, without `..` anywhere.
        #[test]
        fn never_leaves_the_folder(bucket in "\\PC{0,20}", key in "[a-z./\\\\]{0,24}|\\PC{0,24}") {
            let root = Path::new("/obs");
            if let Ok(p) = object_path(root, &bucket, &key) {
                proptest::prop_assert!(p.starts_with(root) && p != root);
                proptest::prop_assert!(p.components().all(|c| !matches!(c, std::path::Component::ParentDir)));
            }
        }
    }
}
