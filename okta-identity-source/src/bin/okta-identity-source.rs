//! `okta-identity-source`: import users into an Okta custom identity source.
//! Run `okta-identity-source --help`; the code is in the library's `cli`
//! module (feature `cli`).

fn main() -> std::process::ExitCode {
    okta_identity_source::cli::main()
}
