//! A package: the module's component with its `plugin.toml` carried inside
//! it, in a custom section named [`MANIFEST_SECTION`] at the component's top
//! level. The host ignores custom sections when it runs the code, so the
//! package is the component itself; the registry and the host read the
//! manifest back from it and compare it with the index line.

/// The custom section that carries the module's `plugin.toml`.
pub const MANIFEST_SECTION: &str = "immcase:plugin.toml";

/// The most a `plugin.toml` carried in a package may weigh.
pub const MAX_MANIFEST_BYTES: usize = 256 * 1024;

/// `\0asm`, then the component encoding's version and layer.
const COMPONENT_HEADER: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

/// Why a package cannot be made or read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PackageError {
    #[error("not a WebAssembly component (a module built for wasm32-wasip2 is one)")]
    NotAComponent,
    #[error("the component is cut short or malformed at byte {at}")]
    Malformed { at: usize },
    #[error("the package carries no plugin.toml (custom section `{MANIFEST_SECTION}`)")]
    NoManifest,
    #[error("the package carries {0} plugin.toml sections; a package carries exactly one")]
    SeveralManifests(usize),
    #[error("the plugin.toml the package carries is not UTF-8 text")]
    ManifestNotText,
    #[error("the plugin.toml the package carries is larger than {MAX_MANIFEST_BYTES} bytes")]
    ManifestTooLarge,
    #[error("the component already carries a different plugin.toml")]
    DifferentManifest,
}

/// The component with `manifest` carried in it: the bytes as they are when
/// they already carry this very text.
pub fn embed_manifest(component: &[u8], manifest: &str) -> Result<Vec<u8>, PackageError> {
    if manifest.len() > MAX_MANIFEST_BYTES {
        return Err(PackageError::ManifestTooLarge);
    }
    let sections = manifest_sections(component)?;
    match sections.as_slice() {
        [] => {}
        [one] if *one == manifest.as_bytes() => return Ok(component.to_vec()),
        _ => return Err(PackageError::DifferentManifest),
    }
    let mut content = Vec::with_capacity(manifest.len() + MANIFEST_SECTION.len() + 8);
    write_leb(&mut content, MANIFEST_SECTION.len());
    content.extend_from_slice(MANIFEST_SECTION.as_bytes());
    content.extend_from_slice(manifest.as_bytes());
    let mut out = component.to_vec();
    out.push(0);
    write_leb(&mut out, content.len());
    out.extend_from_slice(&content);
    Ok(out)
}

/// The `plugin.toml` a package carries.
pub fn embedded_manifest(package: &[u8]) -> Result<String, PackageError> {
    let sections = manifest_sections(package)?;
    match sections.as_slice() {
        [] => Err(PackageError::NoManifest),
        [one] => {
            if one.len() > MAX_MANIFEST_BYTES {
                return Err(PackageError::ManifestTooLarge);
            }
            String::from_utf8(one.to_vec()).map_err(|_| PackageError::ManifestNotText)
        }
        many => Err(PackageError::SeveralManifests(many.len())),
    }
}

/// The contents of every top-level custom section named
/// [`MANIFEST_SECTION`] (the component's nested modules are not looked
/// into: their sections are the compiler's).
fn manifest_sections(bytes: &[u8]) -> Result<Vec<&[u8]>, PackageError> {
    if bytes.len() < COMPONENT_HEADER.len() || bytes[..8] != COMPONENT_HEADER {
        return Err(PackageError::NotAComponent);
    }
    let mut found = Vec::new();
    let mut at = COMPONENT_HEADER.len();
    while at < bytes.len() {
        let id = bytes[at];
        let (size, after) = read_leb(bytes, at + 1)?;
        let end = after
            .checked_add(size)
            .filter(|end| *end <= bytes.len())
            .ok_or(PackageError::Malformed { at })?;
        if id == 0 {
            let (name_len, name_at) = read_leb(bytes, after)?;
            let name_end = name_at
                .checked_add(name_len)
                .filter(|e| *e <= end)
                .ok_or(PackageError::Malformed { at: after })?;
            if &bytes[name_at..name_end] == MANIFEST_SECTION.as_bytes() {
                found.push(&bytes[name_end..end]);
            }
        }
        at = end;
    }
    Ok(found)
}

/// An unsigned LEB128 number of at most 32 bits at `at`, and where it ends.
fn read_leb(bytes: &[u8], at: usize) -> Result<(usize, usize), PackageError> {
    let mut value: u64 = 0;
    for i in 0..5 {
        let byte = *bytes.get(at + i).ok_or(PackageError::Malformed { at })?;
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            let value = u32::try_from(value).map_err(|_| PackageError::Malformed { at })?;
            return Ok((value as usize, at + i + 1));
        }
    }
    Err(PackageError::Malformed { at })
}

fn write_leb(out: &mut Vec<u8>, mut value: usize) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A component with one custom section of the compiler's.
    fn component() -> Vec<u8> {
        let mut c = COMPONENT_HEADER.to_vec();
        c.extend_from_slice(&[0, 8, 7]);
        c.extend_from_slice(b"produce");
        c
    }

    #[test]
    fn a_manifest_is_carried_and_read_back() {
        let text = "id = \"notes\"\n".repeat(20);
        let package = embed_manifest(&component(), &text).unwrap();
        assert!(package.starts_with(&component()));
        assert_eq!(embedded_manifest(&package).unwrap(), text);
        // Embedding the same text again changes nothing; another is refused.
        assert_eq!(embed_manifest(&package, &text).unwrap(), package);
        assert_eq!(
            embed_manifest(&package, "id = \"other\""),
            Err(PackageError::DifferentManifest)
        );
    }

    #[test]
    fn bad_packages_are_named() {
        assert_eq!(
            embedded_manifest(&component()),
            Err(PackageError::NoManifest)
        );
        assert_eq!(
            embedded_manifest(b"\0asm\x01\0\0\0"),
            Err(PackageError::NotAComponent)
        );
        let package = embed_manifest(&component(), "id = \"notes\"").unwrap();
        let cut = &package[..package.len() - 3];
        assert!(matches!(
            embedded_manifest(cut),
            Err(PackageError::Malformed { .. })
        ));
        let mut twice = package.clone();
        twice.extend_from_slice(&package[component().len()..]);
        assert_eq!(
            embedded_manifest(&twice),
            Err(PackageError::SeveralManifests(2))
        );
        let mut not_text = embed_manifest(&component(), "ab").unwrap();
        let last = not_text.len() - 1;
        not_text[last] = 0xff;
        assert_eq!(
            embedded_manifest(&not_text),
            Err(PackageError::ManifestNotText)
        );
    }
}
