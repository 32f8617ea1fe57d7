//! The closed world a template is compiled in: the rewritten template as
//! `/main.typ`, `/letterhead.typ`, the logo, the embedded fonts, and values
//! in `sys.inputs`. No files, no packages, no clock.

use std::sync::LazyLock;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Dict, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use crate::fonts::FONTS;
use crate::letterhead::Letterhead;

fn file_id(path: &str) -> FileId {
    #[allow(clippy::expect_used)]
    let path = VirtualPath::new(path).expect("a constant, valid virtual path");
    FileId::new(RootedPath::new(VirtualRoot::Project, path))
}

static MAIN: LazyLock<FileId> = LazyLock::new(|| file_id("/main.typ"));
static LETTERHEAD: LazyLock<FileId> = LazyLock::new(|| file_id("/letterhead.typ"));

pub(crate) struct LetterWorld {
    library: LazyHash<Library>,
    main: Source,
    letterhead: Source,
    logo: Option<(FileId, Bytes)>,
}

impl LetterWorld {
    /// A world whose main file is `text`, with `inputs` (token values; the
    /// letterhead's fields are added) in `sys.inputs`.
    pub(crate) fn new(text: String, mut inputs: Dict, letterhead: &Letterhead) -> LetterWorld {
        letterhead.add_inputs(&mut inputs);
        LetterWorld {
            library: LazyHash::new(Library::builder().with_inputs(inputs).build()),
            main: Source::new(*MAIN, text),
            letterhead: Source::new(*LETTERHEAD, letterhead.module()),
            logo: letterhead
                .logo
                .as_ref()
                .map(|logo| (file_id(logo.format.path()), Bytes::new(logo.bytes.clone()))),
        }
    }

    pub(crate) fn main_id(&self) -> FileId {
        self.main.id()
    }
}

impl World for LetterWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else if id == self.letterhead.id() {
            Ok(self.letterhead.clone())
        } else if self.logo.as_ref().is_some_and(|(logo, _)| *logo == id) {
            Err(FileError::NotSource)
        } else {
            Err(not_found(id))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        match &self.logo {
            Some((logo, bytes)) if *logo == id => Ok(bytes.clone()),
            _ => {
                let source = self.source(id)?;
                Ok(Bytes::from_string(source.text().to_owned()))
            }
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.fonts.get(index).cloned()
    }

    /// No clock: dates come in as token values (`today`).
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(id.get().vpath().get_without_slash().into())
}
