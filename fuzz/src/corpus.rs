//! The seeds the inputs start from: real files of each format. The bundled
//! and test modules' `plugin.toml`s, the PDF form fixtures (built by
//! `immcase-pdf-forms`'s `fixtures` feature, and their encrypted variants
//! kept under `seeds/pdf-forms/`, made by [`write_pdf_seeds`]), and the iCalendar files and emails
//! under `seeds/ics/` and `seeds/mail/`, written as other calendars and
//! mail clients write them; the forms browsers and `curl` send
//! (`seeds/multipart/`), module store sessions as the bundled modules
//! write and query (`seeds/store-query/`), and the end-to-end tests'
//! workflow scripts (`seeds/workflow-script/`).
//!
//! Seeds are read in name order, so a run's inputs depend only on its seed
//! and the files.

use std::path::{Path, PathBuf};

use immcase_pdf_forms::fixtures::{self, Variant, encrypt_with_qpdf};

/// This crate's folder (`fuzz/`).
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The workspace's folder.
pub fn workspace_dir() -> PathBuf {
    crate_dir()
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(crate_dir)
}

/// The seed files of a target: `seeds/{target}/`.
pub fn seeds_dir(target: &str) -> PathBuf {
    crate_dir().join("seeds").join(target)
}

/// The contents of the files of `dir` whose names end in `.{extension}`,
/// in name order (none when the folder is missing).
pub fn files(dir: &Path, extension: &str) -> Vec<Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .collect();
    paths.sort();
    paths.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

/// Every module's `plugin.toml`: the bundled modules (`plugins/*`) and the
/// end-to-end tests' modules (`tests/modules/*`), in path order.
pub fn plugin_tomls() -> Vec<Vec<u8>> {
    let mut paths = Vec::new();
    for folder in ["plugins", "tests/modules"] {
        let Ok(entries) = std::fs::read_dir(workspace_dir().join(folder)) else {
            continue;
        };
        paths.extend(
            entries
                .filter_map(|e| e.ok().map(|e| e.path().join("plugin.toml")))
                .filter(|p| p.is_file()),
        );
    }
    paths.sort();
    paths.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

/// Makes the encrypted and restructured variants of the PDF form fixtures
/// kept under `seeds/pdf-forms/` again, with qpdf (as IRCC's own files
/// are: empty user password, object streams, linearized); they are kept in
/// the repository so a run needs no qpdf. Returns the files written.
pub fn write_pdf_seeds() -> Result<Vec<PathBuf>, String> {
    let dir = seeds_dir("pdf-forms");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let forms = [
        ("imm5257", fixtures::imm5257().build()),
        ("imm5645", fixtures::imm5645().build()),
        ("acroform", fixtures::acroform_sample()),
    ];
    let variants = [
        ("rc4", Variant::Rc4),
        ("aes128", Variant::Aes128),
        ("aes256", Variant::Aes256),
        ("object-streams", Variant::ObjectStreams),
        ("aes256-object-streams", Variant::Aes256ObjectStreams),
        ("aes128-clear-metadata", Variant::Aes128ClearMetadata),
        ("linearized-aes256", Variant::LinearizedAes256),
    ];
    let mut written = Vec::new();
    for (form, pdf) in &forms {
        for (name, variant) in variants {
            let bytes = encrypt_with_qpdf(pdf, variant).map_err(|e| e.to_string())?;
            let path = dir.join(format!("{form}-{name}.pdf"));
            std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
            written.push(path);
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_has_seeds() {
        assert!(plugin_tomls().len() >= 6);
        assert!(files(&seeds_dir("ics"), "ics").len() >= 4);
        assert!(files(&seeds_dir("mail"), "eml").len() >= 4);
        assert!(!files(&seeds_dir("pdf-forms"), "pdf").is_empty());
        assert!(files(&seeds_dir("multipart"), "form").len() >= 4);
        assert!(files(&seeds_dir("store-query"), "store").len() >= 4);
        assert!(files(&seeds_dir("workflow-script"), "rhai").len() >= 4);
    }
}
