//! The practice's letterhead, available to every template as `#letterhead()`.

use typst::foundations::{Dict, IntoValue, Str};

/// The practice's details drawn at the top of a letter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Letterhead {
    pub name: String,
    /// May have several lines.
    pub address: String,
    pub phone: String,
    pub email: String,
    pub website: String,
    pub logo: Option<Logo>,
}

/// A logo image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logo {
    pub bytes: Vec<u8>,
    pub format: LogoFormat,
}

/// The formats a logo may be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoFormat {
    Png,
    Jpeg,
    Svg,
}

impl LogoFormat {
    /// The virtual file the logo is at, for Typst's `image`.
    pub(crate) fn path(self) -> &'static str {
        match self {
            LogoFormat::Png => "/logo.png",
            LogoFormat::Jpeg => "/logo.jpg",
            LogoFormat::Svg => "/logo.svg",
        }
    }
}

/// Prefix of the `sys.inputs` keys the letterhead module reads; `#` cannot be
/// in a token's name, so no template value can take its place.
const KEY: &str = "#letterhead.";

impl Letterhead {
    /// The `practice.*` token values this letterhead gives.
    pub(crate) fn practice_values(&self) -> [(&'static str, &str); 5] {
        [
            ("practice.name", &self.name),
            ("practice.address", &self.address),
            ("practice.phone", &self.phone),
            ("practice.email", &self.email),
            ("practice.website", &self.website),
        ]
    }

    /// Adds the letterhead's fields to `inputs` for the module to read.
    pub(crate) fn add_inputs(&self, inputs: &mut Dict) {
        for (field, value) in [
            ("name", &self.name),
            ("address", &self.address),
            ("phone", &self.phone),
            ("email", &self.email),
            ("website", &self.website),
        ] {
            inputs.insert(
                Str::from(format!("{KEY}{field}")),
                Str::from(value.as_str()).into_value(),
            );
        }
    }

    /// The Typst source of `/letterhead.typ`. Values are read from
    /// `sys.inputs`, never written into the source.
    pub(crate) fn module(&self) -> String {
        let logo = match &self.logo {
            Some(logo) => format!("image(\"{}\", height: logo-height)", logo.format.path()),
            None => "none".to_owned(),
        };
        MODULE.replace("LOGO", &logo)
    }
}

/// `letterhead(logo-height: 1.6cm, rule: true)`: the practice's name in bold,
/// its address, a line with phone, email and website, the logo on the
/// right, and a rule below. Empty fields are left out.
const MODULE: &str = r##"#let _field(name) = sys.inputs.at("#letterhead." + name, default: "")
#let _lines(text) = text.split("\n").map(line => line.trim()).filter(line => line != "").join(linebreak())
#let letterhead(logo-height: 1.6cm, rule: true) = block(width: 100%, below: 1.6em, {
  let contact = (_field("phone"), _field("email"), _field("website")).filter(part => part != "")
  grid(
    columns: (1fr, auto),
    column-gutter: 1em,
    align: (left + horizon, right + horizon),
    {
      text(size: 1.35em, weight: "bold", _field("name"))
      let address = _lines(_field("address"))
      if address != none { linebreak(); text(size: 0.85em, address) }
      if contact.len() > 0 { linebreak(); text(size: 0.85em, contact.join("  ·  ")) }
    },
    LOGO,
  )
  if rule { line(length: 100%, stroke: 0.5pt + luma(140)) }
})
"##;
