//! The fonts templates can use, embedded in the binary (a component has no
//! system fonts): Libertinus Serif (Typst's default text font) and
//! Liberation Sans, each regular, bold, italic and bold italic, under the SIL
//! Open Font License (see `fonts/`). About 2.9 MB.

use std::sync::LazyLock;

use typst::foundations::Bytes;
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;

/// The name of the serif family, for `#set text(font: …)`.
pub const SERIF: &str = "Libertinus Serif";
/// The name of the sans-serif family, for `#set text(font: …)`.
pub const SANS: &str = "Liberation Sans";

const FILES: [&[u8]; 8] = [
    include_bytes!("../fonts/LibertinusSerif-Regular.otf"),
    include_bytes!("../fonts/LibertinusSerif-Bold.otf"),
    include_bytes!("../fonts/LibertinusSerif-Italic.otf"),
    include_bytes!("../fonts/LibertinusSerif-BoldItalic.otf"),
    include_bytes!("../fonts/LiberationSans-Regular.ttf"),
    include_bytes!("../fonts/LiberationSans-Bold.ttf"),
    include_bytes!("../fonts/LiberationSans-Italic.ttf"),
    include_bytes!("../fonts/LiberationSans-BoldItalic.ttf"),
];

/// The fonts, parsed once, and the book that describes them.
pub(crate) struct Fonts {
    pub book: LazyHash<FontBook>,
    pub fonts: Vec<Font>,
}

pub(crate) static FONTS: LazyLock<Fonts> = LazyLock::new(|| {
    let fonts: Vec<Font> = FILES
        .iter()
        .flat_map(|data| Font::iter(Bytes::new(*data)))
        .collect();
    Fonts {
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_is_a_font_of_one_of_the_two_families() {
        assert_eq!(FONTS.fonts.len(), FILES.len());
        for font in &FONTS.fonts {
            let family = font.info().family.as_str();
            assert!(family == SERIF || family == SANS, "{family}");
        }
    }
}
