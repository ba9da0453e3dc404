//! The specification of `INFO`/`CONNECT` JSON: what real servers send, what any JSON may hold,
//! what is refused; the exact bytes written; and property tests that hold the reader and writers
//! to what serde and serde_json, which the client used before, accepted and wrote. Every example
//! read or refused below is also given to serde_json, which must agree.

use super::*;
use proptest::prelude::*;

fn read(json: &str) -> Result<ServerInfo, Error> {
    read_server_info(json.as_bytes())
}

/// Reads `json`, which must be readable, checking that serde_json read the same.
fn read_ok(json: &str) -> ServerInfo {
    let info = read(json).unwrap_or_else(|e| panic!("{json:?}: {e}"));
    assert_eq!(
        serde_read(json.as_bytes()).as_ref(),
        Some(&info),
        "serde_json on {json:?}"
    );
    info
}

/// The error for `json`, which must be refused, checking that serde_json refused it too.
fn refused(json: &str) -> String {
    assert_eq!(serde_read(json.as_bytes()), None, "serde_json on {json:?}");
    match read(json) {
        Ok(info) => panic!("{json:?} was read as {info:?}"),
        Err(e) => e.to_string(),
    }
}

/// `read_server_info` on bytes that are not UTF-8, checking that serde_json agrees.
fn read_bytes(json: &[u8]) -> Result<ServerInfo, Error> {
    let ours = read_server_info(json);
    assert_eq!(
        serde_read(json),
        ours.clone().ok(),
        "serde_json on {json:?}"
    );
    ours
}

fn connect_json(info: &ConnectInfo) -> String {
    let mut out = Vec::new();
    write_connect_info(info, &mut out);
    String::from_utf8(out).unwrap()
}

fn info_json(info: &ServerInfo) -> String {
    let mut out = Vec::new();
    write_server_info(info, &mut out);
    String::from_utf8(out).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Reading: what nats-server sends.

/// nats-server 2.9.10, TCP listener, in a cluster with token authentication.
const INFO_CLUSTER: &str = r#"{"server_id":"NDUHJ4JZS33WEQLJC3R2RELAOS7GSGKCTWNPIHQ5ULJOOC4VBYOMA3VG","server_name":"n1","version":"2.9.10","proto":1,"go":"go1.19.8","host":"127.0.0.1","port":24222,"headers":true,"auth_required":true,"max_payload":1048576,"client_id":6,"client_ip":"127.0.0.1","cluster":"c1","connect_urls":["127.0.0.1:24222","127.0.0.1:24223"]}"#;
/// The same server to a WebSocket client: `connect_urls` are the WebSocket listeners.
const INFO_WEBSOCKET: &str = r#"{"server_id":"NDUHJ4JZS33WEQLJC3R2RELAOS7GSGKCTWNPIHQ5ULJOOC4VBYOMA3VG","server_name":"n1","version":"2.9.10","proto":1,"go":"go1.19.8","host":"127.0.0.1","port":24222,"headers":true,"auth_required":true,"max_payload":1048576,"client_id":7,"client_ip":"127.0.0.1","cluster":"c1","connect_urls":["127.0.0.1:24280","127.0.0.1:24281"]}"#;
/// nats-server 2.9.10 with an NKey user: the nonce to sign.
const INFO_NKEY: &str = r#"{"server_id":"NAGLFJCYBXAZ2RTJKJEGHLI5KA34ABIBP3N7MSHKVTN2T3WR7BBE7QQT","server_name":"NAGLFJCYBXAZ2RTJKJEGHLI5KA34ABIBP3N7MSHKVTN2T3WR7BBE7QQT","version":"2.9.10","proto":1,"go":"go1.19.8","host":"127.0.0.1","port":24224,"headers":true,"auth_required":true,"max_payload":1048576,"client_id":4,"client_ip":"127.0.0.1","nonce":"qJ0nIxopQasJsSw"}"#;
/// nats-server 2.9.10 after SIGUSR2: the async INFO announcing lame-duck mode.
const INFO_LAME_DUCK: &str = r#"{"server_id":"NAU6IWJ2TPUYGV5F5BML3FSV2H2V732XBZBMR6GZ4S2MOJPFBQMZNVKB","server_name":"NAU6IWJ2TPUYGV5F5BML3FSV2H2V732XBZBMR6GZ4S2MOJPFBQMZNVKB","version":"2.9.10","proto":1,"go":"go1.19.8","host":"127.0.0.1","port":24225,"headers":true,"max_payload":1048576,"client_id":4,"client_ip":"127.0.0.1","ldm":true}"#;

#[test]
fn reads_what_nats_server_2_9_10_sends() {
    assert_eq!(
        read_ok(INFO_CLUSTER),
        ServerInfo {
            server_id: "NDUHJ4JZS33WEQLJC3R2RELAOS7GSGKCTWNPIHQ5ULJOOC4VBYOMA3VG".into(),
            server_name: "n1".into(),
            version: "2.9.10".into(),
            proto: 1,
            host: "127.0.0.1".into(),
            port: 24222,
            headers: true,
            max_payload: 1_048_576,
            auth_required: true,
            tls_required: false,
            nonce: None,
            connect_urls: vec!["127.0.0.1:24222".into(), "127.0.0.1:24223".into()],
            ldm: false,
            client_id: 6,
            client_ip: "127.0.0.1".into(),
            cluster: Some("c1".into()),
        }
    );
    let ws = read_ok(INFO_WEBSOCKET);
    assert_eq!(ws.connect_urls, ["127.0.0.1:24280", "127.0.0.1:24281"]);
    assert_eq!(read_ok(INFO_NKEY).nonce.as_deref(), Some("qJ0nIxopQasJsSw"));
    let ldm = read_ok(INFO_LAME_DUCK);
    assert!(ldm.ldm && !ldm.auth_required);
    assert_eq!((ldm.port, ldm.cluster), (24225, None));
}

#[test]
fn members_left_out_keep_their_defaults() {
    assert_eq!(read_ok("{}"), ServerInfo::default());
    assert_eq!(
        read_ok(r#"{"max_payload":64}"#),
        ServerInfo {
            max_payload: 64,
            ..Default::default()
        }
    );
}

#[test]
fn unknown_members_are_skipped_whatever_they_hold() {
    let info = read_ok(
        r#"{"go":"go1.19.8","xkey":null,"jetstream":true,"a":[],"b":{},"c":-0.5e-3,
            "n":[1,-2.5,3E+7,"x",[{"deep":[[[]]]}],null,false,{"k":{"k":"\u00e9"}}],
            "port":4222}"#,
    );
    assert_eq!(info.port, 4222);
    // Nesting has no depth limit: nothing recurses.
    let deep = format!(
        r#"{{"x":{}1{},"port":1}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert_eq!(read_ok(&deep).port, 1);
    let deep = format!(
        r#"{{"x":{}1{}}}"#,
        r#"{"a":"#.repeat(50_000),
        "}".repeat(50_000)
    );
    assert_eq!(read_ok(&deep), ServerInfo::default());
    // But what is skipped must still be JSON.
    for bad in [
        r#"{"x":[1,]}"#,
        r#"{"x":{"a":1,}}"#,
        r#"{"x":{"a"}}"#,
        r#"{"x":{1:2}}"#,
        r#"{"x":[1}"#,
        r#"{"x":{"a":1]}"#,
        r#"{"x":[[[]]}"#,
        r#"{"x":01}"#,
        r#"{"x":1.}"#,
        r#"{"x":.5}"#,
        r#"{"x":+1}"#,
        r#"{"x":1e}"#,
        r#"{"x":-}"#,
        r#"{"x":nul}"#,
        r#"{"x":True}"#,
        r#"{"x":'a'}"#,
        r#"{"x":"\x"}"#,
        r#"{"x":"\u12"}"#,
        "{\"x\":\"a\tb\"}",
        r#"{"x":}"#,
        r#"{"x":NaN}"#,
    ] {
        refused(bad);
    }
}

#[test]
fn strings_take_every_json_escape() {
    let info = read_ok(r#"{"server_name":"q\" b\\ s\/ \b\f\n\r\t"}"#);
    assert_eq!(info.server_name, "q\" b\\ s/ \u{8}\u{c}\n\r\t");
    let info = read_ok(r#"{"server_name":"\u0041\u00e9\u00E9\u20ac\u0000"}"#);
    assert_eq!(info.server_name, "Aéé€\0");
    // Outside the BMP: a UTF-16 surrogate pair, or the UTF-8 itself.
    let info = read_ok(r#"{"server_name":"\ud83d\ude00 \uD83D\uDE00 😀"}"#);
    assert_eq!(info.server_name, "😀 😀 😀");
    // Member names are unescaped before they are matched.
    assert_eq!(read_ok(r#"{"p\u006frt":7}"#).port, 7);
}

#[test]
fn strings_that_are_not_valid_text_are_refused() {
    for bad in [
        r#"{"server_name":"\ud83d"}"#,       // high surrogate alone
        r#"{"server_name":"\ud83d\u0041"}"#, // ... followed by something else
        r#"{"server_name":"\ud83d\n"}"#,
        r#"{"server_name":"\ude00\ud83d"}"#, // pair in the wrong order
        r#"{"server_name":"\ude00"}"#,       // low surrogate alone
        r#"{"server_name":"\u00G0"}"#,       // not hex
        r#"{"server_name":"\u00e"}"#,        // too short
        r#"{"server_name":"\a"}"#,           // no such escape
        r#"{"server_name":"\'"}"#,
        "{\"server_name\":\"new\nline\"}", // control characters must be escaped
        "{\"server_name\":\"\u{1f}\"}",
        r#"{"server_name":"open}"#,
    ] {
        refused(bad);
    }
    assert!(read_bytes(b"{\"server_name\":\"\xff\"}").is_err());
    assert!(read_bytes(b"{\"\xc3\":1}").is_err(), "member names too");
    // DEL and U+2028 need no escape.
    assert_eq!(
        read_ok("{\"host\":\"\u{7f}\u{2028}\"}").host,
        "\u{7f}\u{2028}"
    );
}

#[test]
fn skipped_strings_are_checked_for_escapes_but_not_for_utf8() {
    // As serde_json: a value nobody reads is not decoded, so any bytes and any `\u` will do.
    assert!(read_bytes(b"{\"go\":\"\xff\",\"port\":1}").is_ok());
    assert!(read_bytes(br#"{"go":"\ud800","x":{"\udc00":1}}"#).is_ok());
    assert!(read_bytes(br#"{"go":"\q"}"#).is_err());
}

#[test]
fn members_must_have_their_json_type() {
    for bad in [
        r#"{"server_id":null}"#,
        r#"{"server_id":1}"#,
        r#"{"headers":"true"}"#,
        r#"{"headers":1}"#,
        r#"{"headers":null}"#,
        r#"{"port":"4222"}"#,
        r#"{"port":null}"#,
        r#"{"connect_urls":null}"#,
        r#"{"connect_urls":"a:1"}"#,
        r#"{"connect_urls":["a:1",2]}"#,
        r#"{"connect_urls":["a:1",]}"#,
        r#"{"nonce":1}"#,
        r#"{"cluster":{}}"#,
    ] {
        refused(bad);
    }
    // `null` is how `nonce` and `cluster` say "none".
    let info = read_ok(r#"{"nonce":null,"cluster":null,"connect_urls":[]}"#);
    assert_eq!((info.nonce, info.cluster), (None, None));
    assert!(info.connect_urls.is_empty());
}

/// Integers are decided like this (as serde_json did): the member must be an integer that fits
/// the field, written as one. A value out of range is an error, never clamped or defaulted:
/// an INFO we cannot represent is not one to act on.
#[test]
fn integers_must_fit_their_field() {
    let info = read_ok(
        r#"{"proto":-1,"port":65535,"max_payload":4294967295,"client_id":18446744073709551615}"#,
    );
    assert_eq!(info.proto, -1);
    assert_eq!(info.port, 65535);
    assert_eq!(info.max_payload, u32::MAX as usize);
    assert_eq!(info.client_id, u64::MAX);
    assert_eq!(read_ok(r#"{"proto":-2147483648}"#).proto, i32::MIN);
    assert_eq!(read_ok(r#"{"port":0}"#).port, 0);
    for (bad, why) in [
        (
            r#"{"port":70000}"#,
            "`port`: integer out of range at byte 8",
        ),
        (r#"{"port":-1}"#, "`port`: integer out of range"),
        (
            r#"{"max_payload":-1}"#,
            "`max_payload`: integer out of range",
        ),
        (r#"{"proto":2147483648}"#, "integer out of range"),
        (r#"{"proto":-2147483649}"#, "integer out of range"),
        (
            r#"{"client_id":18446744073709551616}"#,
            "integer out of range",
        ),
        (
            r#"{"client_id":-9223372036854775809}"#,
            "integer out of range",
        ),
        (r#"{"proto":-0}"#, "integer out of range"), // JSON parsers read `-0` as a float
        (r#"{"port":4222.0}"#, "not a fraction"),
        (r#"{"port":4.222e3}"#, "not a fraction"),
        (r#"{"port":1e3}"#, "not a fraction or exponent"),
        (r#"{"port":01}"#, "leading zero"),
        (r#"{"port":+1}"#, "expected an integer"),
        (r#"{"port":- 1}"#, "expected an integer"),
        (r#"{"port":0x10}"#, "expected `,` or `}`"),
    ] {
        let e = refused(bad);
        assert!(e.contains(why), "{bad}: {e}");
    }
    #[cfg(target_pointer_width = "64")]
    assert_eq!(
        read_ok(r#"{"max_payload":4294967296}"#).max_payload,
        1 << 32,
        "usize: 64 bits natively, 32 in wasm"
    );
}

#[test]
fn a_member_given_twice_is_refused() {
    // serde did this for the members it knew, so it stays.
    assert_eq!(
        refused(r#"{"port":1,"port":2}"#),
        "`port`: member given twice at byte 10"
    );
    assert_eq!(
        refused(r#"{"nonce":null,"nonce":"a"}"#),
        "`nonce`: member given twice at byte 14"
    );
    // Members nobody reads may repeat.
    assert_eq!(read_ok(r#"{"go":1,"go":2,"port":3}"#).port, 3);
}

#[test]
fn whitespace_is_allowed_between_all_tokens() {
    let spaced = " \t\r\n{ \"port\" \n:\t1 ,\r\"connect_urls\" : [ \"a\" , \"b\" ] ,\"x\" : [ { } , [ ] ] } \n";
    let info = read_ok(spaced);
    assert_eq!((info.port, info.connect_urls.len()), (1, 2));
    // JSON's four whitespace characters only.
    refused("{\u{c}}");
    refused("{\u{a0}}");
    refused("{\"port\":\u{b}1}");
}

#[test]
fn exactly_one_object_and_nothing_after_it() {
    for bad in [
        "",
        "   ",
        "{",
        "}",
        r#"{"port":1"#,
        r#"{"port":1,}"#,
        r#"{,}"#,
        r#"{"port" 1}"#,
        r#"{"port":1 "host":"h"}"#,
        r#"{port:1}"#,
        r#"{'port':1}"#,
        "null",
        "true",
        "1",
        r#""port""#,
        "{} {}",
        "{}x",
        "{}}",
        "{},",
        "{}\0",
    ] {
        refused(bad);
    }
    let e = refused(r#"{"port":1} trailing"#);
    assert_eq!(e, "unexpected characters after the object at byte 11");
}

#[test]
fn every_truncation_of_a_real_info_is_refused() {
    for end in 0..INFO_CLUSTER.len() {
        refused(&INFO_CLUSTER[..end]);
    }
}

#[test]
fn a_top_level_array_fills_members_in_order_as_serde_did() {
    assert_eq!(read_ok("[]"), ServerInfo::default());
    let info = read_ok(r#"["id","name","2.9.10",1,"h",4222]"#);
    assert_eq!((info.server_id.as_str(), info.port), ("id", 4222));
    assert!(!info.headers);
    let all = r#"["i","n","v",1,"h",2,true,3,true,true,null,["u"],true,4,"ip","c"]"#;
    assert_eq!(read_ok(all).cluster.as_deref(), Some("c"));
    let too_many = r#"["i","n","v",1,"h",2,true,3,true,true,null,["u"],true,4,"ip","c",1]"#;
    refused(too_many);
    refused(r#"["id",]"#);
    refused(r#"[1]"#);
}

#[test]
fn errors_say_what_and_where() {
    assert_eq!(refused("{nope}"), "expected a member name at byte 1");
    assert_eq!(
        refused(r#"{"headers":1}"#),
        "`headers`: expected `true` or `false` at byte 11"
    );
    assert_eq!(
        refused(r#"{"host":"a"#),
        "`host`: unterminated string at byte 10"
    );
    assert_eq!(refused("[1]"), "`server_id`: expected a string at byte 1");
}

// ---------------------------------------------------------------------------------------------
// Writing.

#[test]
fn connect_with_every_option_set() {
    let info = ConnectInfo {
        verbose: true,
        pedantic: true,
        tls_required: true,
        name: Some("page \"one\"".into()),
        lang: "rust".into(),
        version: "0.1.0".into(),
        protocol: 1,
        echo: true,
        headers: true,
        no_responders: true,
        auth_token: Some(r"t\k".into()),
        user: Some("ann".into()),
        pass: Some("p\nw\u{1}".into()),
        jwt: Some("eyJ0.eyJz.c2ln".into()),
        nkey: Some("UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4".into()),
        sig: Some("c2lnbmF0dXJl".into()),
    };
    assert_eq!(
        connect_json(&info),
        r#"{"verbose":true,"pedantic":true,"tls_required":true,"name":"page \"one\"","lang":"rust","version":"0.1.0","protocol":1,"echo":true,"headers":true,"no_responders":true,"auth_token":"t\\k","user":"ann","pass":"p\nw\u0001","jwt":"eyJ0.eyJz.c2ln","nkey":"UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4","sig":"c2lnbmF0dXJl"}"#
    );
    assert_eq!(
        connect_json(&info),
        oracle::to_string(&SerdeConnectInfo::from(&info))
    );
}

#[test]
fn connect_leaves_out_options_that_are_none() {
    let info = ConnectInfo {
        lang: "rust".into(),
        version: "0.1.0".into(),
        protocol: 1,
        headers: true,
        no_responders: true,
        ..Default::default()
    };
    assert_eq!(
        connect_json(&info),
        r#"{"verbose":false,"pedantic":false,"tls_required":false,"lang":"rust","version":"0.1.0","protocol":1,"echo":false,"headers":true,"no_responders":true}"#
    );
}

#[test]
fn info_writes_every_member_with_null_for_none() {
    assert_eq!(
        info_json(&ServerInfo::default()),
        r#"{"server_id":"","server_name":"","version":"","proto":0,"host":"","port":0,"headers":false,"max_payload":0,"auth_required":false,"tls_required":false,"nonce":null,"connect_urls":[],"ldm":false,"client_id":0,"client_ip":"","cluster":null}"#
    );
    let info = read_ok(INFO_CLUSTER);
    assert_eq!(read_ok(&info_json(&info)), info);
    let negative = ServerInfo {
        proto: i32::MIN,
        ..Default::default()
    };
    assert!(info_json(&negative).contains(r#""proto":-2147483648,"#));
}

#[test]
fn strings_are_escaped_as_serde_json_escapes_them() {
    let all_controls: String = (0u8..0x20).map(char::from).collect();
    let info = ConnectInfo {
        name: Some(format!("{all_controls}\"\\/\u{7f}é😀\u{2028}")),
        ..Default::default()
    };
    let json = connect_json(&info);
    let expected_name = concat!(
        r#""\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f"#,
        r#"\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d"#,
        r#"\u001e\u001f\"\\/"#,
        "\u{7f}é😀\u{2028}\""
    );
    assert!(json.contains(expected_name), "{json}");
    assert_eq!(json, oracle::to_string(&SerdeConnectInfo::from(&info)));
}

// ---------------------------------------------------------------------------------------------
// Against serde: the types as the client declared them before, and serde_json.

mod oracle {
    use super::super::super::{ConnectInfo, ServerInfo};

    pub fn to_string<T: ::serde::Serialize>(value: &T) -> String {
        serde_json::to_string(value).unwrap()
    }

    /// `ServerInfo` as it was declared with serde.
    #[derive(Debug, Clone, Default, PartialEq, Eq, ::serde::Deserialize, ::serde::Serialize)]
    #[serde(default)]
    pub struct SerdeServerInfo {
        pub server_id: String,
        pub server_name: String,
        pub version: String,
        pub proto: i32,
        pub host: String,
        pub port: u16,
        pub headers: bool,
        pub max_payload: usize,
        pub auth_required: bool,
        pub tls_required: bool,
        pub nonce: Option<String>,
        pub connect_urls: Vec<String>,
        pub ldm: bool,
        pub client_id: u64,
        pub client_ip: String,
        pub cluster: Option<String>,
    }

    /// `ConnectInfo` as it was declared with serde.
    #[derive(Debug, Clone, Default, PartialEq, Eq, ::serde::Serialize)]
    pub struct SerdeConnectInfo {
        pub verbose: bool,
        pub pedantic: bool,
        pub tls_required: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub name: Option<String>,
        pub lang: String,
        pub version: String,
        pub protocol: u8,
        pub echo: bool,
        pub headers: bool,
        pub no_responders: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub auth_token: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub user: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub pass: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub jwt: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub nkey: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub sig: Option<String>,
    }

    // The conversions name every field, so a field added to one side and not the other does not
    // compile.

    impl From<SerdeServerInfo> for ServerInfo {
        fn from(s: SerdeServerInfo) -> Self {
            let SerdeServerInfo {
                server_id,
                server_name,
                version,
                proto,
                host,
                port,
                headers,
                max_payload,
                auth_required,
                tls_required,
                nonce,
                connect_urls,
                ldm,
                client_id,
                client_ip,
                cluster,
            } = s;
            ServerInfo {
                server_id,
                server_name,
                version,
                proto,
                host,
                port,
                headers,
                max_payload,
                auth_required,
                tls_required,
                nonce,
                connect_urls,
                ldm,
                client_id,
                client_ip,
                cluster,
            }
        }
    }

    impl From<&ServerInfo> for SerdeServerInfo {
        fn from(s: &ServerInfo) -> Self {
            let ServerInfo {
                server_id,
                server_name,
                version,
                proto,
                host,
                port,
                headers,
                max_payload,
                auth_required,
                tls_required,
                nonce,
                connect_urls,
                ldm,
                client_id,
                client_ip,
                cluster,
            } = s.clone();
            SerdeServerInfo {
                server_id,
                server_name,
                version,
                proto,
                host,
                port,
                headers,
                max_payload,
                auth_required,
                tls_required,
                nonce,
                connect_urls,
                ldm,
                client_id,
                client_ip,
                cluster,
            }
        }
    }

    impl From<&ConnectInfo> for SerdeConnectInfo {
        fn from(c: &ConnectInfo) -> Self {
            let ConnectInfo {
                verbose,
                pedantic,
                tls_required,
                name,
                lang,
                version,
                protocol,
                echo,
                headers,
                no_responders,
                auth_token,
                user,
                pass,
                jwt,
                nkey,
                sig,
            } = c.clone();
            SerdeConnectInfo {
                verbose,
                pedantic,
                tls_required,
                name,
                lang,
                version,
                protocol,
                echo,
                headers,
                no_responders,
                auth_token,
                user,
                pass,
                jwt,
                nkey,
                sig,
            }
        }
    }
}

use self::oracle::{SerdeConnectInfo, SerdeServerInfo};

/// What serde_json made of `json`, in the types the client had.
fn serde_read(json: &[u8]) -> Option<ServerInfo> {
    serde_json::from_slice::<SerdeServerInfo>(json)
        .ok()
        .map(Into::into)
}

fn arb_server_info() -> impl Strategy<Value = ServerInfo> {
    let strings = (
        any::<String>(),
        any::<String>(),
        any::<String>(),
        any::<String>(),
        any::<String>(),
        any::<Option<String>>(),
        proptest::collection::vec(any::<String>(), 0..4),
        any::<Option<String>>(),
    );
    let scalars = (
        any::<i32>(),
        any::<u16>(),
        any::<usize>(),
        any::<u64>(),
        any::<[bool; 4]>(),
    );
    (strings, scalars).prop_map(
        |(
            (server_id, server_name, version, host, client_ip, nonce, connect_urls, cluster),
            (proto, port, max_payload, client_id, [headers, auth_required, tls_required, ldm]),
        )| ServerInfo {
            server_id,
            server_name,
            version,
            proto,
            host,
            port,
            headers,
            max_payload,
            auth_required,
            tls_required,
            nonce,
            connect_urls,
            ldm,
            client_id,
            client_ip,
            cluster,
        },
    )
}

fn arb_connect_info() -> impl Strategy<Value = ConnectInfo> {
    (
        any::<[bool; 6]>(),
        any::<u8>(),
        (any::<String>(), any::<String>()),
        any::<[Option<String>; 6]>(),
        any::<Option<String>>(),
    )
        .prop_map(
            |(
                [verbose, pedantic, tls_required, echo, headers, no_responders],
                protocol,
                (lang, version),
                [name, auth_token, user, pass, nkey, sig],
                jwt,
            )| ConnectInfo {
                verbose,
                pedantic,
                tls_required,
                name,
                lang,
                version,
                protocol,
                echo,
                headers,
                no_responders,
                auth_token,
                user,
                pass,
                jwt,
                nkey,
                sig,
            },
        )
}

/// A JSON-like document: mostly well formed, with values of the right and the wrong types for
/// the known members, edge-case numbers and strings, any whitespace, and sometimes a flaw.
#[derive(Debug, Clone)]
enum Doc {
    Literal(&'static str),
    Number(String),
    /// The bytes between the quotes, escapes as written.
    Str(Vec<u8>),
    Array(Vec<Doc>),
    Object(Vec<(Vec<u8>, Doc)>),
}

impl Doc {
    fn render(&self, ws: &mut impl Iterator<Item = &'static str>, out: &mut Vec<u8>) {
        out.extend_from_slice(ws.next().unwrap_or("").as_bytes());
        match self {
            Doc::Literal(l) => out.extend_from_slice(l.as_bytes()),
            Doc::Number(n) => out.extend_from_slice(n.as_bytes()),
            Doc::Str(s) => {
                out.push(b'"');
                out.extend_from_slice(s);
                out.push(b'"');
            }
            Doc::Array(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    item.render(ws, out);
                }
                out.extend_from_slice(ws.next().unwrap_or("").as_bytes());
                out.push(b']');
            }
            Doc::Object(members) => {
                out.push(b'{');
                for (i, (name, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    Doc::Str(name.clone()).render(ws, out);
                    out.extend_from_slice(ws.next().unwrap_or("").as_bytes());
                    out.push(b':');
                    value.render(ws, out);
                }
                out.extend_from_slice(ws.next().unwrap_or("").as_bytes());
                out.push(b'}');
            }
        }
        out.extend_from_slice(ws.next().unwrap_or("").as_bytes());
    }
}

fn arb_number() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (0u32..70_000).prop_map(|n| n.to_string()),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<u64>().prop_map(|n| n.to_string()),
        1 => any::<f64>().prop_map(|f| format!("{f:?}")),
        2 => prop::sample::select(vec![
            "0", "-0", "1", "-1", "65535", "65536", "2147483647", "2147483648", "-2147483648",
            "-2147483649", "4294967295", "4294967296", "9223372036854775807",
            "-9223372036854775808", "-9223372036854775809", "18446744073709551615",
            "18446744073709551616", "1.0", "1.5", "-0.0", "1e3", "1E+2", "1e-2", "2.5E-3", "01",
            "-01", "1.", ".5", "-", "+1", "1e", "1e+", "0x1", "1_0", "Infinity", "NaN", "1.e3",
        ])
        .prop_map(String::from),
    ]
}

fn arb_string_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        6 => "[a-zA-Z0-9 .:_-]{0,6}".prop_map(String::into_bytes),
        2 => any::<String>().prop_map(|s| s
            .replace(['"', '\\'], "")
            .chars()
            .filter(|c| *c >= ' ')
            .collect::<String>()
            .into_bytes()),
        2 => prop::sample::select(vec![
            r#"\""#, r"\\", r"\/", r"\b", r"\f", r"\n", r"\r", r"\t", r"\u0041", r"\u00e9",
            r"\u20AC", r"\u0000", r"\ud83d\ude00", r"\uD83D\uDE00", "\u{7f}", "é", "\u{2028}",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        1 => prop::sample::select(vec![
            r"\ud83d", r"\ude00", r"\ud83d\u0041", r"\ud83d\n", r"\u12", r"\u00G0", r"\x", r"\'",
            "\t", "\u{1}",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        1 => prop::sample::select(vec![
            vec![0xff], vec![0xc3], vec![0xc3, 0xa9], vec![0xed, 0xa0, 0x80]
        ]),
    ];
    proptest::collection::vec(piece, 0..4).prop_map(|pieces| pieces.concat())
}

fn arb_member_name() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => prop::sample::select(SERVER_INFO_FIELDS.to_vec()).prop_map(|f| f.as_bytes().to_vec()),
        1 => prop::sample::select(vec!["go", "xkey", "jetstream", "", "Port", "port ", r"p\u006frt", r"\ud800"])
            .prop_map(|f| f.as_bytes().to_vec()),
        1 => arb_string_bytes(),
    ]
}

fn arb_doc() -> impl Strategy<Value = Doc> {
    let leaf = prop_oneof![
        prop::sample::select(vec!["null", "true", "false", "nul", "True"]).prop_map(Doc::Literal),
        arb_number().prop_map(Doc::Number),
        arb_string_bytes().prop_map(Doc::Str),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Doc::Array),
            proptest::collection::vec((arb_member_name(), inner), 0..4).prop_map(Doc::Object),
        ]
    })
}

/// A value of about the right type for a member, so that whole documents are often valid.
fn arb_member_value(name: &[u8]) -> BoxedStrategy<Doc> {
    let strings = || proptest::collection::vec(arb_string_bytes().prop_map(Doc::Str), 0..3);
    let typed = match std::str::from_utf8(name).unwrap_or("") {
        "proto" | "port" | "max_payload" | "client_id" => {
            arb_number().prop_map(Doc::Number).boxed()
        }
        "headers" | "auth_required" | "tls_required" | "ldm" => {
            prop::sample::select(vec!["true", "false"])
                .prop_map(Doc::Literal)
                .boxed()
        }
        "connect_urls" => strings().prop_map(Doc::Array).boxed(),
        "nonce" | "cluster" => prop_oneof![
            Just(Doc::Literal("null")),
            arb_string_bytes().prop_map(Doc::Str)
        ]
        .boxed(),
        _ => arb_string_bytes().prop_map(Doc::Str).boxed(),
    };
    prop_oneof![8 => typed, 1 => arb_doc()].boxed()
}

fn arb_info_doc() -> impl Strategy<Value = Doc> {
    let member = arb_member_name().prop_flat_map(|name| {
        let value = arb_member_value(&name);
        (Just(name), value)
    });
    let object = proptest::collection::vec(member, 0..6).prop_map(Doc::Object);
    let positional = proptest::collection::vec(0usize..16, 0..18).prop_flat_map(|fields| {
        fields
            .iter()
            .enumerate()
            .map(|(i, _)| arb_member_value(SERVER_INFO_FIELDS.get(i).unwrap_or(&"").as_bytes()))
            .collect::<Vec<_>>()
            .prop_map(Doc::Array)
    });
    prop_oneof![8 => object, 1 => positional, 1 => arb_doc()]
}

/// Renders `doc` with whitespace from `ws` and then applies `flaw`, if any.
fn render(doc: &Doc, ws: &[&'static str], flaw: Option<(prop::sample::Index, u8, u8)>) -> Vec<u8> {
    let mut ws = ws.iter().copied().cycle();
    let mut out = Vec::new();
    doc.render(&mut ws, &mut out);
    if let Some((at, kind, byte)) = flaw {
        let i = at.index(out.len() + 1);
        match kind % 3 {
            0 => out.truncate(i),
            1 if i < out.len() => {
                out.remove(i);
            }
            _ => out.insert(i, byte),
        }
    }
    out
}

fn arb_whitespace() -> impl Strategy<Value = Vec<&'static str>> {
    let one = prop_oneof![
        16 => Just(""),
        8 => prop::sample::select(vec![" ", "\n", "\t", "\r", " \r\n\t "]),
        1 => prop::sample::select(vec!["\u{c}", "\u{b}", "\u{a0}", "x", ",", "0"]),
    ];
    proptest::collection::vec(one, 1..16)
}

fn arb_flaw() -> impl Strategy<Value = Option<(prop::sample::Index, u8, u8)>> {
    let byte = prop::sample::select(b"{}[]\":,\\ 0-.e\x01\xffnt".to_vec());
    proptest::option::weighted(0.2, (any::<prop::sample::Index>(), any::<u8>(), byte))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// The heart of "no behaviour change": on documents of every kind, valid or not, we accept
    /// exactly what serde_json accepted, and read the same values.
    #[test]
    fn reads_what_serde_json_read_and_refuses_what_it_refused(
        doc in arb_info_doc(),
        ws in arb_whitespace(),
        flaw in arb_flaw(),
    ) {
        let json = render(&doc, &ws, flaw);
        let ours = read_server_info(&json);
        let theirs = serde_read(&json);
        prop_assert_eq!(
            ours.as_ref().ok(),
            theirs.as_ref(),
            "{:?}: ours {:?}",
            String::from_utf8_lossy(&json),
            ours.as_ref().err().map(ToString::to_string)
        );
    }

    #[test]
    fn arbitrary_bytes_are_refused_or_read_as_serde_json_read_them(
        json in proptest::collection::vec(
            prop::sample::select(b"{}[]\":,\\ \t\n0123456789-+.eEtrufalsn\"\"\"".to_vec()),
            0..40,
        ),
    ) {
        prop_assert_eq!(read_server_info(&json).ok(), serde_read(&json));
    }

    #[test]
    fn never_panics(json in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = read_server_info(&json);
    }
}

proptest! {
    #[test]
    fn info_is_written_as_serde_json_wrote_it_and_reads_back(info in arb_server_info()) {
        let json = info_json(&info);
        prop_assert_eq!(&json, &oracle::to_string(&SerdeServerInfo::from(&info)));
        prop_assert_eq!(read_server_info(json.as_bytes()), Ok(info));
    }

    #[test]
    fn connect_is_written_as_serde_json_wrote_it(info in arb_connect_info()) {
        let json = connect_json(&info);
        prop_assert_eq!(&json, &oracle::to_string(&SerdeConnectInfo::from(&info)));
        prop_assert_eq!(&json, &connect_info_string(&info));
    }
}
