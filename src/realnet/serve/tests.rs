use super::*;

#[test]
fn a_panicking_connection_thread_releases_its_slot() {
    let active = Arc::new(AtomicUsize::new(0));
    let a = Slot::take(&active, 2).unwrap();
    let b = Arc::clone(&active);
    let t = std::thread::spawn(move || {
        let _slot = Slot::take(&b, 2).unwrap();
        panic!("a bug in a connection thread");
    });
    assert!(t.join().is_err());
    assert_eq!(active.load(Ordering::SeqCst), 1);
    assert!(
        Slot::take(&active, 1).is_none(),
        "one place of one is taken"
    );
    drop(a);
    assert_eq!(active.load(Ordering::SeqCst), 0);
}

/// A flood of chunks with nobody reading: the chunks and their counts stay within
/// their share, so an accept or a close still finds room.
#[test]
fn lossy_events_never_take_the_places_kept_for_the_rest() {
    let (tx, rx) = crossbeam_channel::bounded(EVENT_QUEUE);
    let ctx = Ctx {
        opts: ServeOptions::default(),
        start: Instant::now(),
        tx,
        stop: StopHandle::default(),
        upload_dir: None,
        not_shown: AtomicU64::new(0),
        uploaded: AtomicU64::new(0),
        live: Mutex::new(BTreeMap::new()),
    };
    for _ in 0..10 * EVENT_QUEUE {
        ctx.emit(
            Some(1),
            ServeEventKind::Recv {
                bufsize: 1024,
                data: Preview::of(&[b'x'; 1024]),
            },
        );
        // A NotShown after every chunk that finds room is still within the share.
        ctx.emit(
            Some(1),
            ServeEventKind::Reply {
                bytes: 1,
                header_len: 0,
                writes: 1,
            },
        );
    }
    assert!(rx.len() <= LOSSY_QUEUE, "{}", rx.len());
    for i in 0..EVENT_QUEUE - LOSSY_QUEUE {
        ctx.emit(
            Some(i as u64),
            ServeEventKind::Closed {
                reason: "done".into(),
                bytes_in: 0,
                bytes_out: 0,
            },
        );
    }
    let events: Vec<ServeEvent> = rx.try_iter().collect();
    let closed = events
        .iter()
        .filter(|e| matches!(e.kind, ServeEventKind::Closed { .. }))
        .count();
    // The first close brings the count of what was left out with it.
    assert_eq!(closed, EVENT_QUEUE - LOSSY_QUEUE - 1);
    assert!(matches!(
        events[events.len() - closed - 1].kind,
        ServeEventKind::NotShown { .. }
    ));
    let not_shown: u64 = events
        .iter()
        .filter_map(|e| match e.kind {
            ServeEventKind::NotShown { count } => Some(count),
            _ => None,
        })
        .sum();
    let kept = events.len() as u64
        - closed as u64
        - events
            .iter()
            .filter(|e| matches!(e.kind, ServeEventKind::NotShown { .. }))
            .count() as u64;
    // Every event is either kept or counted (the last count is still pending:
    // nothing came after it; it holds the one close that found no room).
    let pending = ctx.not_shown.load(Ordering::Relaxed);
    assert_eq!(pending, 1);
    assert_eq!(kept + not_shown, 2 * 10 * EVENT_QUEUE as u64);
}

#[test]
fn out_of_range_options_are_refused_with_the_range() {
    let huge = ServeOptions {
        idle_timeout: Duration::from_secs(u64::MAX),
        ..ServeOptions::default()
    };
    let e = huge.validate().unwrap_err().to_string();
    assert!(e.contains("idle_timeout") && e.contains("86400"), "{e}");
    let big = ServeOptions {
        recv_size: 64 * 1024 * 1024,
        ..ServeOptions::default()
    };
    let e = big.validate().unwrap_err().to_string();
    assert!(e.contains("recv_size") && e.contains("65536"), "{e}");
    assert!(ServeOptions::default().validate().is_ok());
}
