//! Whether `#[serde(other)]` gives serde_json a fallback for enum values this client does not
//! know (a new compression algorithm, retention policy, ...), instead of failing the whole reply.
#[derive(serde::Deserialize, Debug, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Compression {
    None,
    S2,
    #[serde(other)]
    Unknown,
}
#[derive(serde::Deserialize, Debug)]
struct Config {
    compression: Compression,
}
fn main() {
    let known: Result<Config, _> = serde_json::from_str(r#"{"compression":"s2"}"#);
    let unknown: Result<Config, _> = serde_json::from_str(r#"{"compression":"zstd"}"#);
    println!("s2: {known:?}\nzstd: {unknown:?}");
}
