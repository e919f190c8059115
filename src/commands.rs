//! The subcommands' work, for the `stickysim` binary: `main.rs` parses the command line
//! and picks one; these run it and write its output.

use std::process::ExitCode;

use stickysim::cli::{self, CliError, Overrides};
#[cfg(feature = "gui")]
use stickysim::deeplink::DeepLink;
use stickysim::params::{ByteOrder, Framing, HeaderWrites};
use stickysim::scenario::{Lang, Text};
use stickysim::sweep::{self, ParamTable as _};

use super::{
    ByteOrderArg, CalibrateArgs, FormatArg, HandoutArgs, HeaderWritesArg, RunArgs, ServeAppArg,
    ServeArgs, SweepArgs,
};

/// `run --real` / `--both` / `--slicer` / `--connect`.
pub(super) fn run_real(
    r: &RunArgs,
    scenario: &stickysim::scenario::Scenario,
    params: &stickysim::params::Params,
    lang: Lang,
) -> Result<ExitCode, CliError> {
    let opts = stickysim::realnet::RealOptions {
        slicer: r.slicer,
        connect_to: r.connect,
        ..Default::default()
    };
    if r.both {
        // Both worlds on the same wire: the model on loopback unless a link was chosen.
        // The real run keeps the parameters as resolved: realnet cannot set TCP_MAXSEG to
        // the loopback MSS (Linux refuses it), so it leaves MSS to the kernel as before.
        let real = cli::run_real(scenario, params, &opts)?;
        let sim_params = r.overrides().resolve_beside_real(scenario)?;
        let sim = cli::run_sim(scenario, &sim_params)?;
        write_pcap(r.pcap.as_deref(), &sim.trace)?;
        if r.json {
            out_json(&cli::render_both_json(&sim, &real));
        } else {
            out(&cli::render_both(&sim, &real, lang));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let real = cli::run_real(scenario, params, &opts)?;
    write_pcap(r.pcap.as_deref(), &real.trace)?;
    if r.json {
        out_json(&cli::render_real_json(&real));
    } else {
        out(&cli::render_text(&real, lang));
    }
    Ok(ExitCode::SUCCESS)
}

/// `run --pcap FILE`: the run's packets as a capture file.
pub(super) fn write_pcap(
    path: Option<&std::path::Path>,
    trace: &stickysim::trace::Trace,
) -> Result<(), CliError> {
    use stickysim::export::pcap::{PcapFormat, PcapOptions};
    let Some(path) = path else { return Ok(()) };
    let io = |source: std::io::Error| CliError::Io {
        path: path.display().to_string(),
        source,
    };
    let opts = PcapOptions {
        format: PcapFormat::for_path(path),
        ..Default::default()
    };
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).map_err(io)?);
    stickysim::export::write(trace, &opts, &mut file).map_err(|e| io(std::io::Error::other(e)))?;
    std::io::Write::flush(&mut file).map_err(io)
}

/// `calibrate`: the model against the kernel, case by case.
pub(super) fn calibrate(a: CalibrateArgs) -> Result<ExitCode, CliError> {
    use stickysim::calibrate;
    let mut cases = Vec::new();
    if a.cases.is_empty() {
        cases = stickysim::scenario::builtin();
    }
    for key in &a.cases {
        let path = std::path::Path::new(key);
        if path.is_dir() {
            for f in cli::scenario_files(&[path.to_path_buf()])? {
                cases.push(cli::load_file(&f)?);
            }
        } else {
            cases.push(cli::resolve(key)?);
        }
    }
    if cases.is_empty() {
        return Err(CliError::BadParam(format!(
            "no scenario files (.toml) in {}",
            a.cases.join(", ")
        )));
    }
    let runs = usize::from(a.runs);
    let reports = calibrate::calibrate(&cases, runs, |name| eprintln!("calibrating {name}"))?;
    if a.json {
        out_json(&calibrate::render_json(&reports));
    } else if a.markdown {
        out(&calibrate::render_markdown(&reports));
    } else {
        out(&calibrate::render_text(&reports));
    }
    Ok(if reports.iter().all(|r| r.agree) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `handout`: one file per scenario, each written whole or not at all (a temporary file
/// renamed into place).
pub(super) fn handout(a: HandoutArgs, lang: Lang) -> Result<(), CliError> {
    use stickysim::handout::{self, Format};
    let format = match a.format {
        FormatArg::Md => Format::Markdown,
        FormatArg::Html => Format::Html,
    };
    let mut scenarios = if a.all {
        stickysim::scenario::builtin()
    } else {
        Vec::new()
    };
    for key in &a.scenarios {
        scenarios.push(cli::resolve(key)?);
    }
    if scenarios.is_empty() {
        return Err(CliError::BadParam(
            "which scenarios? give numbers, names or files, or --all".into(),
        ));
    }
    let io = |path: &std::path::Path| {
        let path = path.display().to_string();
        move |source| CliError::Io { path, source }
    };
    std::fs::create_dir_all(&a.out).map_err(io(&a.out))?;
    for s in &scenarios {
        let text = handout::build(s, lang, format)?;
        let path = a.out.join(handout::file_name(s, lang, format));
        let tmp = a
            .out
            .join(format!(".{}.tmp", handout::file_name(s, lang, format)));
        std::fs::write(&tmp, text).map_err(io(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(io(&path))?;
        out(&format!("{}\n", path.display()));
    }
    Ok(())
}

/// `sweep`: the grid's runs on all cores, with a progress bar on a terminal.
pub(super) fn sweep(a: SweepArgs) -> Result<(), CliError> {
    use std::io::IsTerminal as _;
    let bad = |e: sweep::SweepError| CliError::Invalid(e.both());
    let scenario = cli::resolve(&a.scenario)?;
    let grid = sweep::Grid::parse(&a.params).map_err(bad)?;
    let runs = sweep::check_size(grid.len(), a.runs_per_point).map_err(bad)?;
    let fixed = Overrides {
        set: a.set.clone(),
        ..Default::default()
    }
    .settings()?;
    let table = sweep::Table::new(scenario.settings.over(&fixed));
    let base = table.params(&[]).map_err(CliError::Invalid)?;
    let points = grid.point_params(&table).map_err(bad)?;
    let bar = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(runs);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} runs  {elapsed} (about {eta} left)",
        ) {
            bar.set_style(style);
        }
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let result = sweep::parallel::run(&scenario, &points, a.runs_per_point, &|| bar.inc(1));
    bar.finish_and_clear();
    let points = result
        .map_err(|e| CliError::Invalid(Text::both(e.at(&grid, Lang::En), e.at(&grid, Lang::Zh))))?;
    let result = sweep::Sweep {
        scenario: scenario.name.clone(),
        seed: base.seed,
        runs_per_point: a.runs_per_point,
        grid,
        points,
    };
    if a.json {
        out_json(&result.to_json());
    } else if a.csv {
        out(&result.render_csv());
    } else {
        out(&result.render_text());
    }
    Ok(())
}

/// `serve`: prints every event until the server stops (Ctrl-C ends the process).
pub(super) fn serve(a: ServeArgs) -> Result<ExitCode, CliError> {
    use std::io::Write as _;
    use stickysim::realnet::serve::{ServeApp, ServeEventKind, ServeOptions, Server};
    let app = match a.app {
        ServeAppArg::Upper => ServeApp::Upper,
        ServeAppArg::Command => ServeApp::Command,
        ServeAppArg::Upload => ServeApp::Upload,
        ServeAppArg::UdpEcho => ServeApp::UdpEcho,
    };
    let mut opts = ServeOptions {
        bind: a.bind,
        port: a.port,
        app,
        dir: a.dir,
        ..Default::default()
    };
    opts.params.framing = match a.framing {
        Some(f) => f.framing(),
        None if app == ServeApp::Upload => Framing::JsonHeader,
        None => Framing::Raw,
    };
    if let Some(b) = a.byte_order {
        opts.params.byte_order = match b {
            ByteOrderArg::Little => ByteOrder::Little,
            ByteOrderArg::Big => ByteOrder::Big,
        };
    }
    if !a.set.is_empty() {
        let overrides = Overrides {
            set: a.set.clone(),
            ..Default::default()
        };
        opts.params = overrides.apply(&opts.params)?;
    }
    if let Some(h) = a.header_writes {
        opts.params.header_writes = match h {
            HeaderWritesArg::Combined => HeaderWrites::Combined,
            HeaderWritesArg::Separate => HeaderWrites::Separate,
        };
    }
    // clap has checked each against its range (serve::limits); Server::start checks again.
    opts.recv_size = usize::try_from(a.recv_size).unwrap_or(usize::MAX);
    opts.max_connections = usize::try_from(a.max_connections).unwrap_or(usize::MAX);
    opts.idle_timeout = std::time::Duration::from_secs(a.idle_timeout_s);
    opts.frame_timeout = std::time::Duration::from_secs(a.frame_timeout_s);
    opts.min_rate = a.min_rate;
    opts.max_upload = a.max_upload_mib * 1024 * 1024;
    opts.upload_quota = a.upload_quota_mib * 1024 * 1024;
    let server = Server::start(opts)?;
    let mut out = std::io::stdout().lock();
    for e in server.events().iter() {
        let warning = matches!(e.kind, ServeEventKind::Warning { .. });
        if warning {
            eprintln!("stickysim: {}", e.describe().trim_start());
        }
        if writeln!(out, "{}", e.describe())
            .and_then(|()| out.flush())
            .is_err()
        {
            break;
        }
        if matches!(e.kind, ServeEventKind::Listening { .. }) {
            let _ = writeln!(
                out,
                "{:>12}        nothing received is ever executed; Ctrl-C stops the server",
                ""
            );
        }
        if matches!(e.kind, ServeEventKind::Stopped) {
            break;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The desktop app; without a display it fails with eframe's message.
#[cfg(feature = "gui")]
pub(super) fn open_gui(scenario: Option<String>) -> Result<(), CliError> {
    let link = match scenario {
        Some(key) => gui_link(&key)?,
        None => DeepLink::default(),
    };
    stickysim::gui::run(link).map_err(|e| CliError::Gui(e.to_string()))
}

/// What `stickysim gui KEY` opens: a scenario file, a link (it has `#` or `=`), or a
/// built-in scenario.
#[cfg(feature = "gui")]
pub(super) fn gui_link(key: &str) -> Result<DeepLink, CliError> {
    use stickysim::deeplink::{self, Source};
    let path = std::path::Path::new(key);
    if !path.is_file() && (key.contains('#') || key.contains('=')) {
        return DeepLink::parse(key).map_err(|e| CliError::BadParam(e.to_string()));
    }
    let source = if path.is_file() {
        let text = std::fs::read_to_string(path).map_err(|source| CliError::Io {
            path: key.to_string(),
            source,
        })?;
        // Checked now, so that a bad file fails here, with the message `run` gives.
        cli::load_file(path)?;
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or(key);
        Source::File {
            name: deeplink::link_name(stem),
            text,
        }
    } else {
        cli::resolve(key)?;
        Source::Builtin(key.to_string())
    };
    Ok(DeepLink {
        source: Some(source),
        ..Default::default()
    })
}

/// Writes to standard output. When the reader has gone away (`stickysim run 04 | head`),
/// the process exits quietly with status 0 instead of panicking as `print!` would; any
/// other write error is reported and exits with status 1.
pub(super) fn out(text: &str) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("stickysim: cannot write the output: {e}");
        std::process::exit(1);
    }
}

/// A JSON value, pretty-printed, then a newline, written as it is serialized (a large
/// trace is never held as text); a closed pipe ends quietly as in [`out`].
pub(super) fn out_json(v: &impl serde::Serialize) {
    use std::io::Write as _;
    let mut w = std::io::BufWriter::new(std::io::stdout().lock());
    let written = serde_json::to_writer_pretty(&mut w, v)
        .map_err(std::io::Error::from)
        .and_then(|()| w.write_all(b"\n"))
        .and_then(|()| w.flush());
    if let Err(e) = written {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("stickysim: cannot write the output: {e}");
        std::process::exit(1);
    }
}
