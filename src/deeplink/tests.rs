use proptest::prelude::*;

use super::*;
use crate::params::{Framing, Link, Stack};

fn builtin(key: &str) -> Scenario {
    scenario::find_builtin(key).expect("built-in")
}

#[test]
fn reads_the_issue_example() {
    let link = DeepLink::parse("#s=04&framing=length-prefix&step=12&lang=zh").unwrap();
    assert_eq!(link.source, Some(Source::Builtin("04".into())));
    assert_eq!(link.step, Some(12));
    assert_eq!(link.lang, Some(Lang::Zh));
    assert_eq!(link.view, None);
    assert_eq!(link.settings.keys().collect::<Vec<_>>(), vec!["framing"]);
    let s = link.scenario().unwrap().unwrap();
    assert_eq!(s.name, "04-two-small-sends");
    let p = link.params(&s);
    assert_eq!(p.framing, Framing::LengthPrefix);
    // Everything else is the scenario's own.
    let mut expected = s.params.clone();
    expected.framing = Framing::LengthPrefix;
    assert_eq!(p, expected);
}

#[test]
fn takes_a_url_a_fragment_or_nothing() {
    let want = DeepLink::parse("s=04&step=3").unwrap();
    for input in [
        "https://example.org/stickysim/#s=04&step=3",
        "http://127.0.0.1:8000/index.html#s=04&step=3",
        "#s=04&step=3",
        "  s=04&step=3\n",
        "#s=%30%34&step=%33",
        "#s=04&&step=3&",
    ] {
        assert_eq!(DeepLink::parse(input).as_ref(), Ok(&want), "{input}");
    }
    for empty in ["", "#", "https://example.org/stickysim/"] {
        assert_eq!(DeepLink::parse(empty), Ok(DeepLink::default()), "{empty}");
    }
    // A scenario by name, as `stickysim run` takes it.
    let by_name = DeepLink::parse("s=two-small-sends").unwrap();
    assert_eq!(
        by_name.scenario().unwrap().unwrap().name,
        "04-two-small-sends"
    );
}

/// The app's state → link → state again, for changes of every sort.
#[test]
fn round_trips_the_state() {
    let s = builtin("04");
    let mut cases: Vec<Params> = vec![s.params.clone()];
    let mut p = s.params.clone();
    p.framing = Framing::JsonHeader;
    p.nagle = !p.nagle;
    cases.push(p);
    let mut p = s.params.clone();
    p.recv_delay_ms = Some(0.3);
    p.loss = 0.125;
    p.seed = 42;
    cases.push(p);
    // A stack and a link of their own: the values that follow them stay out of the link.
    cases.push(Settings::relink(
        &s.params,
        [],
        Stack::Windows,
        Link::Loopback,
    ));
    let mut p = Settings::relink(&s.params, [], Stack::Windows, Link::Loopback);
    p.mss = 536;
    cases.push(p);
    for (i, params) in cases.iter().enumerate() {
        for (lang, view, step) in [
            (Lang::En, LinkView::Main, 0),
            (Lang::Zh, LinkView::Compare, 12),
        ] {
            let link = DeepLink::of(&s, None, params, lang, view, step);
            let text = link.to_fragment();
            let back = DeepLink::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(back, link, "case {i}: {text}");
            let s2 = back.scenario().unwrap().unwrap();
            assert_eq!(s2, s);
            assert_eq!(&back.params(&s2), params, "case {i}: {text}");
            assert_eq!(
                (back.lang, back.view, back.step),
                (Some(lang), Some(view), Some(step))
            );
        }
    }
}

#[test]
fn carries_only_what_differs() {
    let s = builtin("04");
    let link = DeepLink::of(&s, None, &s.params, Lang::En, LinkView::Main, 5);
    assert_eq!(link.to_fragment(), "s=04&view=main&lang=en&step=5");
    let mut p = s.params.clone();
    p.framing = Framing::LengthPrefix;
    let link = DeepLink::of(&s, None, &p, Lang::Zh, LinkView::Main, 12);
    assert_eq!(
        link.to_fragment(),
        "s=04&framing=length-prefix&view=main&lang=zh&step=12"
    );
    // Stack windows changes delayed_ack_ms' default: only `stack` is written.
    let p = Settings::relink(&s.params, [], Stack::Windows, s.params.link);
    let text = DeepLink::of(&s, None, &p, Lang::En, LinkView::Main, 0).to_fragment();
    assert!(text.contains("stack=windows"), "{text}");
    assert!(!text.contains("delayed_ack_ms"), "{text}");
}

#[test]
fn carries_a_whole_scenario_file() {
    let text = include_str!("../../scenarios/04-two-small-sends.toml");
    let s = scenario::parse(text, "my-case.toml").unwrap();
    let mut p = s.params.clone();
    p.framing = Framing::LengthPrefix;
    let link = DeepLink::of(&s, Some(text), &p, Lang::En, LinkView::Main, 7);
    let fragment = link.to_fragment();
    assert!(fragment.starts_with("src="), "{fragment}");
    assert!(fragment.contains("&name=my-case&"), "{fragment}");
    // Deflated: the link is shorter than the file, despite base64.
    assert!(
        fragment.len() < text.len() * 3 / 4,
        "{} vs {}",
        fragment.len(),
        text.len()
    );
    let back = DeepLink::parse(&format!("https://x.org/#{fragment}")).unwrap();
    assert_eq!(back, link);
    let s2 = back.scenario().unwrap().unwrap();
    assert_eq!(s2, s);
    assert_eq!(back.params(&s2), p);
}

#[test]
fn a_bad_scenario_file_gets_the_errors_check_prints() {
    let text = "[params]\nnagel = true\n\n[[client]]\nsend = 5\n";
    let link = DeepLink {
        source: Some(Source::File {
            name: "bad".into(),
            text: text.into(),
        }),
        ..Default::default()
    };
    let err = DeepLink::parse(&link.to_fragment()).unwrap_err();
    let LinkError::Scenario(errors) = &err else {
        panic!("{err:?}")
    };
    let expected = scenario::parse_all(text, "bad.toml").unwrap_err();
    assert_eq!(errors, &expected);
    let shown = err.to_string();
    assert!(shown.contains("error  bad.toml:2:1:"), "{shown}");
    assert!(shown.contains("did you mean `nagle`"), "{shown}");
}

#[test]
fn bad_links_say_what_is_wrong() {
    let cases: &[(&str, &str)] = &[
        ("s=99", "no built-in scenario `99`"),
        ("s=04&s=05", "gives `s` twice"),
        ("s04", "expected key=value"),
        ("step=twelve", "step=`twelve`"),
        ("step=-1", "step=`-1`"),
        ("lang=fr", "expected en or zh"),
        ("view=server", "expected main or compare"),
        ("nagel=true", "did you mean `nagle`"),
        ("framing=lenght-prefix", "framing"),
        ("loss=2", "loss"),
        ("mss=0", "mss"),
        ("src=!!!!", "not base64url"),
        ("src=AAAA", "damaged"),
        ("name=x", "name= without src="),
        ("s=04&%zz=1", "bad %-escape"),
        ("s=04&%e4=1", "bad %-escape"),
        ("s=04&a=%", "bad %-escape"),
    ];
    for (input, words) in cases {
        let err = DeepLink::parse(input).expect_err(input).to_string();
        assert!(err.contains(words), "{input}: {err}");
    }
    // The parameter's message is the one `--set` gives.
    let set = scenario::parse_setting_both("loss=2").unwrap_err();
    assert_eq!(
        DeepLink::parse("loss=2").unwrap_err(),
        LinkError::Param(set)
    );
    // Every error of a link is said in Chinese too.
    for (input, _) in cases {
        let e = DeepLink::parse(input).expect_err(input);
        let zh = e.text(Lang::Zh);
        assert!(
            zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{input}: {zh}"
        );
        assert_eq!(e.text(Lang::En), e.to_string());
    }
    // Both sources.
    let file = DeepLink {
        source: Some(Source::File {
            name: "a".into(),
            text: "[[client]]\nclose = true\n".into(),
        }),
        ..Default::default()
    }
    .to_fragment();
    assert_eq!(
        DeepLink::parse(&format!("s=04&{file}")),
        Err(LinkError::TwoSources)
    );
    assert_eq!(
        DeepLink::parse(&format!("{}&name=a%20b", file.split('&').next().unwrap())),
        Err(LinkError::BadName)
    );
}

#[test]
fn a_truncated_or_huge_file_is_refused() {
    let text = include_str!("../../scenarios/04-two-small-sends.toml");
    let link = DeepLink::of(
        &builtin("04"),
        Some(text),
        &builtin("04").params,
        Lang::En,
        LinkView::Main,
        0,
    );
    let fragment = link.to_fragment();
    let src = fragment.split('&').next().unwrap();
    let cut = &src[..src.len() / 2];
    assert!(matches!(DeepLink::parse(cut), Err(LinkError::BadFile(_))));
    // A deflate bomb: a few hundred bytes that inflate past the limit.
    let bomb = vec![b'x'; MAX_FILE_BYTES + 1];
    let packed = URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(&bomb, 9));
    assert!(packed.len() < 2000);
    assert_eq!(
        DeepLink::parse(&format!("src={packed}")),
        Err(LinkError::FileTooLarge)
    );
    let long = "s=04&".repeat(MAX_FRAGMENT / 4);
    assert!(matches!(DeepLink::parse(&long), Err(LinkError::TooLong(_))));
}

#[test]
fn names_are_made_fit_for_links() {
    assert_eq!(link_name("my case (v2)"), "my-case--v2-");
    assert_eq!(link_name(""), "linked");
    assert_eq!(link_name(&"a".repeat(100)).len(), MAX_NAME);
    assert_eq!(check_name("my-case.toml"), Ok("my-case".into()));
    assert_eq!(check_name(".toml"), Err(LinkError::BadName));
}

proptest! {
    #[test]
    fn no_input_panics(s in ".{0,200}") {
        let _ = DeepLink::parse(&s);
    }

    #[test]
    fn no_key_value_soup_panics(pairs in proptest::collection::vec(
        ("(s|src|name|lang|view|step|framing|nagle|mss|loss|stack|x)", "[-A-Za-z0-9_%.=]{0,12}"),
        0..6,
    )) {
        let text: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        if let Ok(link) = DeepLink::parse(&text.join("&")) {
            // What parses writes back to a link that parses to the same.
            prop_assert_eq!(DeepLink::parse(&link.to_fragment()), Ok(link));
        }
    }
}
