//! The rules of video calls, as plain functions on plain data: no store, no
//! clock, no randomness of their own (the random bytes and the time come in
//! as arguments). So `cargo test -p video-calls` checks each natively.
//!
//! - [`room_name`]: unguessable, URL-safe room names, with a readable start.
//! - [`jwt`]: HS256 tokens, and the claims Jitsi's token authentication reads.
//! - [`links`]: the join links (base address, room, token, URL options).
//! - [`settings`]: what an administrator configures, checked as a whole.
//! - [`meeting`]: a new meeting's input, and the times a call's links follow.

pub mod jwt;
pub mod links;
pub mod meeting;
pub mod room_name;
pub mod settings;

/// Every wrong field of some input, in the order found, each with a message
/// for people: `("title", "required")`. A handler turns them into the API's
/// 422 answer with [`into_error`].
pub type Problems = Vec<(String, String)>;

/// The API's 422 answer naming each field of `problems`.
pub fn into_error(problems: Problems) -> immcase_sdk::Error {
    immcase_sdk::Error::invalid_fields(problems)
}
