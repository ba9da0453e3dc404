//! Why miniserde reads no real StreamInfo: a field the server omits (Go `omitempty`: `no_ack`
//! false, `num_deleted` 0) must be an `Option`, since miniserde has no `default` attribute.
#[derive(miniserde::Deserialize, Debug)]
struct Plain {
    a: u64,
    b: bool,
}
#[derive(miniserde::Deserialize, Debug)]
struct Optional {
    a: u64,
    b: Option<bool>,
}
fn main() {
    let r1: Result<Plain, _> = miniserde::json::from_str(r#"{"a":1}"#);
    let r2: Result<Optional, _> = miniserde::json::from_str(r#"{"a":1}"#);
    let r3: Result<Optional, _> =
        miniserde::json::from_str(r#"{"a":18446744073709551615,"x":{"y":[1,null]}}"#);
    println!(
        "missing bool: {r1:?}\nmissing Option<bool>: {r2:?}\nu64::MAX + unknown field: {r3:?}"
    );
}
