//! The practice's letterhead as the `practice` import gives it (host API
//! 0.2.4): what a module prints at the top of the letters it makes.

use serde::Serialize;

use crate::wit::immcase::plugin::practice::{Letterhead as WitLetterhead, Logo as WitLogo};

/// The practice's letterhead, as its administrators keep it in Settings →
/// Practice; [`Ctx::letterhead`](crate::Ctx::letterhead) gives it. Details
/// the practice has not filled in are empty strings.
///
/// ```
/// # #[cfg(feature = "testing")] {
/// # use immcase_sdk::{Caller, Letterhead, Logo, Plugin, Router, testing::TestHost};
/// # struct Letters;
/// # impl Plugin for Letters { fn router() -> Router { Router::new() } }
/// # let host = TestHost::<Letters>::from_manifest("id = \"letters\"\nname = \"Letters\"\nversion = \"0.1.0\"\nhost-api = \"^0.2.4\"");
/// host.set_letterhead(&Letterhead {
///     name: "Maple Immigration".into(),
///     address: "12 King St W\nToronto ON".into(),
///     logo: Some(Logo::new("image/png", b"\x89PNG\r\n\x1a\n...".to_vec())),
///     ..Letterhead::default()
/// });
/// let head = host.with_ctx(&Caller::host(), |ctx| ctx.letterhead())?;
/// assert_eq!(head.address_lines().collect::<Vec<_>>(), ["12 King St W", "Toronto ON"]);
/// assert_eq!(head.logo.map(|l| l.content_type), Some("image/png".to_string()));
/// # }
/// # Ok::<(), immcase_sdk::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Letterhead {
    /// The practice's name.
    pub name: String,
    /// The postal address, lines separated by `\n`.
    pub address: String,
    pub phone: String,
    /// The address clients write to.
    pub email: String,
    /// `https://…`.
    pub website: String,
    /// None until an administrator uploads one.
    pub logo: Option<Logo>,
}

impl Letterhead {
    /// The address's lines, without empty ones.
    pub fn address_lines(&self) -> impl Iterator<Item = &str> {
        self.address.lines().filter(|l| !l.trim().is_empty())
    }
}

/// The practice's logo: PNG, JPEG or SVG (checked by the host when it was
/// uploaded), at most 512 KiB.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Logo {
    /// `image/png`, `image/jpeg` or `image/svg+xml`.
    pub content_type: String,
    /// The image's bytes. Not serialised: a letterhead answered as JSON
    /// says what logo there is, not its bytes.
    #[serde(skip)]
    pub content: Vec<u8>,
}

impl Logo {
    pub fn new(content_type: &str, content: Vec<u8>) -> Logo {
        Logo {
            content_type: content_type.to_owned(),
            content,
        }
    }

    /// The file name extension of its type: `png`, `jpg` or `svg`.
    pub fn extension(&self) -> &'static str {
        match self.content_type.as_str() {
            "image/jpeg" => "jpg",
            "image/svg+xml" => "svg",
            _ => "png",
        }
    }
}

impl From<WitLetterhead> for Letterhead {
    fn from(l: WitLetterhead) -> Letterhead {
        Letterhead {
            name: l.name,
            address: l.address,
            phone: l.phone,
            email: l.email,
            website: l.website,
            logo: l.logo.map(|logo| Logo {
                content_type: logo.content_type,
                content: logo.content,
            }),
        }
    }
}

impl From<&Letterhead> for WitLetterhead {
    fn from(l: &Letterhead) -> WitLetterhead {
        WitLetterhead {
            name: l.name.clone(),
            address: l.address.clone(),
            phone: l.phone.clone(),
            email: l.email.clone(),
            website: l.website.clone(),
            logo: l.logo.as_ref().map(|logo| WitLogo {
                content_type: logo.content_type.clone(),
                content: logo.content.clone(),
            }),
        }
    }
}
