//! The native half of the measurement, for the candidate enabled by its cargo feature:
//! (b) parse speed of the real StreamInfo replies (a plain timing loop: ns per parse, MB/s),
//! (c) what the candidate gets right or wrong with the real replies and with edits of them that
//! a server or a user can produce (unknown fields, missing fields, escapes, u64 above 2^53,
//! unknown enum values, null for nested options). Usage: `measure <replies dir>`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use json_candidates::types::{value, Compression, Storage, StreamInfo};
use json_candidates::{parse, write, CANDIDATE};

const DESCRIPTION: &str = "orders \u{e9}t\u{e9} \"quoted\" \\ back\tslash \u{1F600}";

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "replies".into());
    let read = |v: &str| {
        let path = format!("{dir}/stream_info_{v}.json");
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    };
    let new = read("2.15.1");
    let old = read("2.9.10");
    for (version, json) in [("2.15.1", &new), ("2.9.10", &old)] {
        speed(version, json);
    }
    for (name, outcome) in checks(&new, &old) {
        println!("check {CANDIDATE} | {name} | {outcome}");
    }
}

/// Parses `json` repeatedly and prints ns per parse and MB/s.
fn speed(version: &str, json: &str) {
    if parse(json.as_bytes()).is_err() {
        println!(
            "speed {CANDIDATE} | {version} | {} B | cannot parse",
            json.len()
        );
        return;
    }
    // The best of 10 rounds of about 100 ms: the machine is shared, the best round is the
    // one least disturbed.
    let mut ns = f64::MAX;
    for _ in 0..10 {
        let (mut n, start) = (0u64, Instant::now());
        while start.elapsed() < Duration::from_millis(100) {
            for _ in 0..100 {
                black_box(parse(black_box(json.as_bytes())).ok());
            }
            n += 100;
        }
        ns = ns.min(start.elapsed().as_nanos() as f64 / n as f64);
    }
    let mbs = json.len() as f64 / ns * 1e3;
    println!(
        "speed {CANDIDATE} | {version} | {} B | {ns:.0} ns/parse | {mbs:.0} MB/s",
        json.len()
    );
}

/// Each check: a name and "ok", "FAIL: what went wrong" or "ERROR: the candidate's message".
fn checks(new: &str, old: &str) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let mut check =
        |name: &'static str, json: String, want: &dyn Fn(&StreamInfo) -> Result<(), String>| {
            let outcome = match parse(json.as_bytes()) {
                Ok(info) => match want(&info) {
                    Ok(()) => "ok".to_string(),
                    Err(e) => format!("FAIL: {e}"),
                },
                Err(e) => format!("ERROR: {}", e.chars().take(120).collect::<String>()),
            };
            out.push((name, outcome));
        };
    check("real 2.15.1 reply, every field read", new.into(), &|i| {
        expect(i.config.name == "ORDERS", "name")?;
        expect(
            i.config.description.as_deref() == Some(DESCRIPTION),
            "description (escapes, surrogate pair)",
        )?;
        expect(
            value(&i.config.subjects).len() == 2
                && value(&i.config.subjects)[1] == "orders.*.shipped",
            "subjects",
        )?;
        expect(
            value(&i.config.max_age) == 3_600_000_000_000
                && value(&i.config.duplicate_window) == 120_000_000_000,
            "durations",
        )?;
        expect(
            value(&i.config.storage) == Storage::File
                && i.config.compression == Some(Compression::None),
            "enums",
        )?;
        expect(
            i.config.metadata.as_ref().map(|m| m.len()) == Some(3),
            "metadata map",
        )?;
        expect(
            i.config
                .sources
                .as_ref()
                .and_then(|s| s.first())
                .map(|s| s.name.as_str())
                == Some("SRC"),
            "config.sources",
        )?;
        expect(
            i.state.messages == 10 && i.state.last_seq == 10 && value(&i.state.num_subjects) == 6,
            "state",
        )?;
        expect(
            i.cluster.as_ref().and_then(|c| c.leader.as_ref()).is_some(),
            "cluster.leader",
        )?;
        expect(
            i.sources
                .as_ref()
                .and_then(|s| s.first())
                .map(|s| value(&s.active) > 0)
                == Some(true),
            "sources info",
        )?;
        expect(i.ts.is_some(), "ts")
    });
    check(
        "real 2.9.10 reply (no compression, metadata, consumer_limits, allow_msg_ttl, cluster, ts)",
        old.into(),
        &|i| {
            expect(
                i.config.name == "ORDERS"
                    && i.config.compression.is_none()
                    && i.config.metadata.is_none(),
                "fields",
            )?;
            expect(
                !value(&i.config.allow_msg_ttl) && i.cluster.is_none() && i.ts.is_none(),
                "defaults",
            )
        },
    );
    check(
        "\\u003e and \\u0026 escapes in a subject (Go writes > and & so)",
        new.replacen("\"orders.*\"", "\"orders.\\u003e\\u0026\"", 1),
        &|i| {
            expect(
                value(&i.config.subjects).first().map(|s| s.as_str()) == Some("orders.>&"),
                "subject",
            )
        },
    );
    check(
        "u64 above 2^53 (bytes = 2^64-1, last_seq = 2^53+1)",
        new.replacen("\"bytes\":730", "\"bytes\":18446744073709551615", 1)
            .replacen("\"last_seq\":10", "\"last_seq\":9007199254740993", 1),
        &|i| {
            expect(
                i.state.bytes == u64::MAX && i.state.last_seq == 9_007_199_254_740_993,
                "exact value",
            )
        },
    );
    check(
        "missing fields defaulted (no subjects, no num_subjects, no consumer_count)",
        new.replacen("\"subjects\":[\"orders.*\",\"orders.*.shipped\"],", "", 1)
            .replacen(",\"num_subjects\":6", "", 1)
            .replacen(",\"consumer_count\":0", "", 1),
        &|i| {
            expect(
                value(&i.config.subjects).is_empty() && value(&i.state.num_subjects) == 0,
                "defaults",
            )
        },
    );
    check("unknown fields, nested (objects, arrays, numbers, null) at three levels", new.replacen("\"config\":{", "\"future\":{\"a\":[1,2.5e3,{\"b\":null}],\"c\":\"\\\"}\"},\"config\":{\"future\":[[]],", 1).replacen("\"state\":{", "\"state\":{\"future\":-1,", 1), &|i| {
        expect(i.config.name == "ORDERS" && i.state.messages == 10, "fields after unknown ones")
    });
    check(
        "null for nested options (mirror, placement, cluster.leader)",
        new.replacen(
            "\"config\":{",
            "\"mirror\":null,\"config\":{\"placement\":null,\"mirror\":null,",
            1,
        )
        .replacen("\"leader\":\"", "\"leader\":null,\"name\":\"", 1),
        &|i| {
            expect(
                i.mirror.is_none()
                    && i.config.placement.is_none()
                    && i.cluster.as_ref().map(|c| c.leader.is_none()) == Some(true),
                "None",
            )
        },
    );
    check(
        "an enum value this client does not know (compression \"zstd\")",
        new.replacen("\"compression\":\"none\"", "\"compression\":\"zstd\"", 1),
        &|_| Ok(()),
    );
    check(
        "a 300-byte description (long strings)",
        new.replacen(
            "\"description\":\"orders ",
            &format!("\"description\":\"{} ", "d".repeat(300)),
            1,
        ),
        &|i| {
            expect(
                i.config.description.as_ref().map(|d| d.len() > 300) == Some(true),
                "description",
            )
        },
    );
    check(
        "nine subjects (lists longer than eight)",
        new.replacen("\"orders.*\",", &"\"a.b\",".repeat(8), 1),
        &|i| expect(value(&i.config.subjects).len() == 9, "subjects"),
    );
    check(
        "pretty-printed reply (whitespace, newlines)",
        pretty(new),
        &|i| expect(i.state.messages == 10, "state"),
    );
    check(
        "config written back and read again (round trip)",
        new.into(),
        &|i| {
            let written = String::from_utf8(write(&i.config)).map_err(|e| e.to_string())?;
            let reply = new.replacen(
                &new[new.find("\"config\":").unwrap_or(0)..new.find(",\"created\"").unwrap_or(0)],
                &format!("\"config\":{written}"),
                1,
            );
            let again = parse(reply.as_bytes()).map_err(|e| format!("reading {written}: {e}"))?;
            expect(again.config == i.config, "same config")?;
            expect(true, &format!("{} B written", written.len()))
        },
    );
    out
}

fn expect(ok: bool, what: &str) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(format!("wrong {what}"))
    }
}

/// A whitespace-laden copy: a newline and two spaces after every `,` and `{` outside strings.
fn pretty(json: &str) -> String {
    let (mut out, mut in_string, mut escaped) = (String::new(), false, false);
    for c in json.chars() {
        out.push(c);
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            ',' | '{' | ':' if !in_string => out.push_str("\n  "),
            _ => {}
        }
    }
    out
}
