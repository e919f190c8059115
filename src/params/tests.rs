use super::table::{self, DefaultValue, Kind, PARAMS, Value};
use super::*;

fn choice(key: &str, name: &str) -> Value {
    let p = table::param(key).unwrap();
    Value::Choice(p.names().iter().position(|n| *n == name).unwrap())
}

fn settings(pairs: &[(&str, Value)]) -> Settings {
    let mut s = Settings::default();
    for (k, v) in pairs {
        s.set(k, *v).unwrap();
    }
    s
}

/// Every field of `Params`, as serde writes it, has exactly one row, and each row's
/// get/set reach its own field.
#[test]
fn every_field_has_one_row() {
    let json = serde_json::to_value(Params::default()).unwrap();
    let mut fields: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut keys = table::keys();
    fields.sort();
    keys.sort();
    assert_eq!(fields, keys);
    for p in PARAMS {
        // A value other than the default, within range.
        let v = match p.kind {
            Kind::Choice(names) => Value::Choice(names.len() - 1),
            Kind::Bool => Value::Bool(!matches!(
                (p.get)(&Params::default()),
                Some(Value::Bool(true))
            )),
            Kind::Uint { max, .. } => Value::Uint(max),
            Kind::Number { max, .. } => Value::Number(max),
        };
        let mut q = Params::default();
        (p.set)(&mut q, v);
        assert_eq!((p.get)(&q), Some(v), "{}", p.key);
        let mut changed = serde_json::to_value(&q).unwrap();
        changed.as_object_mut().unwrap().remove(p.key);
        let mut base = json.clone();
        base.as_object_mut().unwrap().remove(p.key);
        assert_eq!(changed, base, "{}: set changed another field", p.key);
    }
}

/// The names are serde's (the JSON report and trace files use them).
#[test]
fn enum_names_are_the_serde_names() {
    fn check<T: Serialize + Copy>(all: &[T], name: impl Fn(T) -> &'static str) {
        for v in all {
            assert_eq!(serde_json::to_value(v).unwrap(), name(*v));
        }
    }
    check(Transport::ALL, Transport::name);
    check(Framing::ALL, Framing::name);
    check(HeaderWrites::ALL, HeaderWrites::name);
    check(DecoderKind::ALL, DecoderKind::name);
    check(ByteOrder::ALL, ByteOrder::name);
    check(HeaderStyle::ALL, HeaderStyle::name);
    check(Stack::ALL, Stack::name);
    check(Link::ALL, Link::name);
    assert_eq!(Framing::from_name("json-header"), Some(Framing::JsonHeader));
    assert_eq!(Framing::from_name("json_header"), None);
}

/// Rows whose default follows `link` or `stack` come after that row; every default is
/// within its own row's range.
#[test]
fn defaults_are_in_range_and_follow_earlier_rows() {
    let index = |k: &str| PARAMS.iter().position(|p| p.key == k).unwrap();
    for (i, p) in PARAMS.iter().enumerate() {
        match p.default {
            DefaultValue::ByLink { .. } => assert!(i > index("link"), "{}", p.key),
            DefaultValue::ByStack { .. } => assert!(i > index("stack"), "{}", p.key),
            _ => {}
        }
        for link in Link::ALL {
            for stack in Stack::ALL {
                if let Some(v) = p.default.at(*link, *stack) {
                    assert_eq!(p.check(v), Ok(v), "{} on {link:?}/{stack:?}", p.key);
                }
            }
        }
    }
    Params::default().validate().unwrap();
}

/// Today's defaults: lan and linux.
#[test]
fn the_default_is_a_linux_host_on_a_lan() {
    let p = Params::default();
    assert_eq!((p.stack, p.link), (Stack::Linux, Link::Lan));
    assert_eq!((p.mss, p.latency_ms, p.bandwidth_mbps), (1460, 5.0, 100.0));
    assert_eq!((p.send_buffer, p.recv_buffer), (16384, 65536));
    assert_eq!(p.delayed_ack_ms, 40.0);
    assert_eq!((p.seed, p.max_frame, p.max_header), (1, 8 << 20, 64 << 10));
    assert_eq!((p.recv_size, p.recv_delay_ms), (None, None));
    assert!(p.nagle && p.delayed_ack);
}

#[test]
fn link_and_stack_set_defaults() {
    let p = settings(&[("link", choice("link", "loopback"))]).resolve();
    assert_eq!(p.link, Link::Loopback);
    assert_eq!(p.mss, table::LOOPBACK_MSS);
    assert_eq!(p.latency_ms, table::LOOPBACK_LATENCY_MS);
    assert_eq!(p.bandwidth_mbps, 0.0);
    assert_eq!(
        (p.send_buffer, p.recv_buffer),
        (table::LOOPBACK_SEND_BUFFER, table::LOOPBACK_RECV_BUFFER)
    );
    assert_eq!(p.delayed_ack_ms, 40.0);
    let p = settings(&[("stack", choice("stack", "windows"))]).resolve();
    assert_eq!(p.delayed_ack_ms, 200.0);
    assert_eq!(p.mss, 1460);
}

/// An explicit value wins over the link's and the stack's, whichever layer set it.
#[test]
fn explicit_values_win() {
    let loopback = choice("link", "loopback");
    let file = settings(&[("link", loopback)]);
    let flag = settings(&[("mss", Value::Uint(1000))]);
    assert_eq!(file.over(&flag).resolve().mss, 1000);
    let file = settings(&[("mss", Value::Uint(3))]);
    let flag = settings(&[("link", loopback)]);
    let p = file.over(&flag).resolve();
    assert_eq!((p.mss, p.link, p.latency_ms), (3, Link::Loopback, 0.01));
    let file = settings(&[("delayed_ack_ms", Value::Number(10.0))]);
    let flag = settings(&[("stack", choice("stack", "windows"))]);
    assert_eq!(file.over(&flag).resolve().delayed_ack_ms, 10.0);
    // An override of the same key wins over the file's.
    let flag = settings(&[("mss", Value::Uint(7))]);
    assert_eq!(file.over(&flag).resolve().mss, 7);
}

#[test]
fn beside_real_is_loopback_unless_a_link_was_chosen() {
    let none = Settings::default();
    assert_eq!(none.beside_real().resolve().link, Link::Loopback);
    assert_eq!(none.beside_real().resolve().mss, table::LOOPBACK_MSS);
    let lan = settings(&[("link", choice("link", "lan"))]);
    assert_eq!(lan.beside_real().resolve().link, Link::Lan);
    let mss = settings(&[("mss", Value::Uint(536))]);
    let p = mss.beside_real().resolve();
    assert_eq!((p.link, p.mss), (Link::Loopback, 536));
}

/// `from_params` finds the keys that differ from the link's and stack's defaults, and
/// resolves back to the same parameters.
#[test]
fn from_params_round_trips() {
    let mut p = settings(&[("link", choice("link", "loopback"))]).resolve();
    p.mss = 3;
    p.seed = 9;
    p.recv_size = Some(10);
    let s = Settings::from_params(&p);
    let keys: Vec<&str> = s.keys().collect();
    assert_eq!(keys, ["link", "mss", "recv_size", "seed"]);
    assert_eq!(s.resolve(), p);
    assert!(Settings::from_params(&Params::default()).is_empty());
}

/// The GUI's toggles: values that followed the old link follow the new one; the file's
/// keys and values changed in the window stay.
#[test]
fn relink_keeps_explicit_values() {
    let lan = Params::default();
    let p = Settings::relink(&lan, [], Stack::Linux, Link::Loopback);
    assert_eq!(
        p,
        settings(&[("link", choice("link", "loopback"))]).resolve()
    );
    let back = Settings::relink(&p, [], Stack::Linux, Link::Lan);
    assert_eq!(back, lan);
    let mut edited = lan.clone();
    edited.mss = 3;
    let p = Settings::relink(&edited, [], Stack::Windows, Link::Loopback);
    assert_eq!((p.mss, p.latency_ms, p.delayed_ack_ms), (3, 0.01, 200.0));
    // A file that sets mss = 1460 (the lan default) keeps it on loopback.
    let p = Settings::relink(&lan, ["mss"], Stack::Linux, Link::Loopback);
    assert_eq!((p.mss, p.recv_buffer), (1460, table::LOOPBACK_RECV_BUFFER));
}

/// Every row refuses min − 1 and max + 1 with the range in its message.
#[test]
fn checks_refuse_past_the_ends() {
    for p in PARAMS {
        match p.kind {
            Kind::Uint { min, max } => {
                assert!(p.check(Value::Uint(max)).is_ok());
                assert!(p.check(Value::Uint(min)).is_ok());
                let e = p.check(Value::Uint(max + 1)).unwrap_err();
                assert!(
                    e.starts_with(&format!("`{}` must be from {min} to {max}", p.key)),
                    "{e}"
                );
                if min > 0 {
                    assert!(p.check(Value::Uint(min - 1)).is_err());
                }
            }
            Kind::Number { min, max, .. } => {
                assert!(p.check(Value::Number(max)).is_ok());
                assert!(p.check(Value::Number(min)).is_ok());
                assert!(p.check(Value::Number(max + 1.0)).is_err());
                assert!(p.check(Value::Number(min - 1.0)).is_err());
                assert!(p.check(Value::Number(f64::NAN)).is_err());
            }
            Kind::Choice(names) => {
                assert!(p.check(Value::Choice(names.len())).is_err());
                assert!(p.check(Value::Uint(0)).is_err());
            }
            Kind::Bool => assert!(p.check(Value::Number(1.0)).is_err()),
        }
    }
    let bw = table::param("bandwidth_mbps").unwrap();
    let e = bw.check(Value::Number(0.0005)).unwrap_err();
    assert!(
        e.contains("must be 0 (unlimited) or at least 0.001 Mbit/s"),
        "{e}"
    );
}

/// docs/scenario-format.md's parameter table is the table's. `UPDATE_DOCS=1` rewrites it.
#[test]
fn the_docs_table_is_the_table() {
    const START: &str = "<!-- params-table:";
    const END: &str = "<!-- /params-table -->";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scenario-format.md");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("\r\n", "\n");
    let start = text.find(START).expect("the docs mark the table's start");
    let body = start + text[start..].find('\n').unwrap() + 1;
    let end = text.find(END).expect("the docs mark the table's end");
    let want = table::markdown_table();
    if text[body..end] != want {
        if std::env::var_os("UPDATE_DOCS").is_some_and(|v| v == "1") {
            let new = format!("{}{want}{}", &text[..body], &text[end..]);
            std::fs::write(&path, new).unwrap();
        } else {
            panic!(
                "docs/scenario-format.md's parameter table differs from src/params/table.rs; \
                 rewrite it with UPDATE_DOCS=1 cargo test --lib params. Expected:\n{want}"
            );
        }
    }
}
