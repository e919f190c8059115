//! `stickysim`: the command line. `stickysim` alone lists the scenarios.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::builder::PossibleValuesParser;
use clap::{Parser, Subcommand, ValueEnum};

use stickysim::cli::{self, CliError, Overrides};
use stickysim::params::{ByteOrder, DecoderKind, Framing, HeaderWrites, Link, Stack};
use stickysim::scenario::Lang;

mod commands;

#[cfg(feature = "gui")]
use commands::open_gui;
use commands::{calibrate, handout, out, out_json, run_real, serve, sweep, write_pcap};

#[derive(Parser)]
#[command(
    name = "stickysim",
    version,
    about = "Why TCP glues and splits messages (粘包 / 拆包), and how framing fixes it"
)]
struct Args {
    /// Language of titles and notes.
    #[arg(long, global = true, value_enum, default_value = "en")]
    lang: LangArg,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// List the built-in scenarios with their titles.
    List,
    /// Validate scenario files or folders (all built-in scenarios when none is given).
    Check { paths: Vec<PathBuf> },
    /// Run a scenario in the simulated model and print its timeline and metrics.
    Run(RunArgs),
    /// Run a scenario in the model over a grid of parameter values, on all cores, and
    /// print per point the share of sticky reads, split and intact messages and the
    /// duration.
    Sweep(SweepArgs),
    /// Listen for outside clients (the tutorial's Python programs, nc, your own code) and
    /// show every connection and every recv() chunk as it happens.
    Serve(ServeArgs),
    /// Print the Wireshark dissector for the framings (save it as stickysim.lua; see
    /// docs/wireshark.md), with these defaults for its preferences.
    Dissector {
        /// Default framing (else the dissector guesses per frame).
        #[arg(long, value_enum)]
        framing: Option<FramingArg>,
        #[arg(long, value_enum)]
        byte_order: Option<ByteOrderArg>,
        /// The server's port.
        #[arg(long, default_value_t = stickysim::export::pcap::SERVER_PORT)]
        port: u16,
        /// line framing: what ends a message.
        #[arg(long, value_enum, default_value = "lf")]
        delimiter: DelimiterArg,
        /// fixed framing: bytes per record.
        #[arg(long, default_value_t = 32,
              value_parser = clap::value_parser!(u32).range(1..=i64::from(stickysim::params::limits::MAX_RECORD_SIZE)))]
        record_size: u32,
    },
    /// Does the model predict the kernel? Runs each case in the model (Linux, loopback)
    /// and N times on real loopback sockets, and compares what the programs saw: every
    /// recv()'s byte count, the recvs that waited 30 ms or more, resets and other
    /// exceptions, and the duration (within 10 ms). Exit status 1 when a case differs.
    Calibrate(CalibrateArgs),
    /// Write a printable handout per scenario: the programs and the questions on the
    /// first page, then the lesson, the timeline, the receiver's view, the verdict, what
    /// length-prefix framing changes, and the answers.
    Handout(HandoutArgs),
    /// Open the desktop app (what `stickysim` alone does), optionally on a scenario.
    #[cfg(feature = "gui")]
    Gui {
        /// A built-in scenario's number or name, a scenario file, or a link to the web
        /// app (or its part after #), as the app's "copy link" gives it:
        /// 'https://…/#s=04&framing=length-prefix&step=12&lang=zh'.
        scenario: Option<String>,
    },
}

#[derive(clap::Args)]
struct RunArgs {
    /// A scenario file, or a built-in scenario's number (4, 04) or name.
    scenario: String,
    #[arg(long, value_enum)]
    framing: Option<FramingArg>,
    #[arg(long, value_enum)]
    header_writes: Option<HeaderWritesArg>,
    #[arg(long, value_enum)]
    decoder: Option<DecoderArg>,
    #[arg(long, value_enum)]
    byte_order: Option<ByteOrderArg>,
    #[arg(long, value_enum)]
    nagle: Option<OnOff>,
    #[arg(long, value_enum)]
    delayed_ack: Option<OnOff>,
    #[arg(long)]
    mss: Option<u32>,
    /// Replace the bufsize of every recv / recv_message.
    #[arg(long)]
    recv_size: Option<u32>,
    /// Sleep this long before every recv / recv_message.
    #[arg(long)]
    recv_delay_ms: Option<f64>,
    /// Seed of the random jitter and loss (the range scenario files allow).
    #[arg(long)]
    seed: Option<u64>,
    /// Whose TCP the model follows (sets the default delayed-ACK time).
    #[arg(long, value_parser = PossibleValuesParser::new(Stack::NAMES.iter().copied()))]
    stack: Option<String>,
    /// The wire: lan, or loopback as real runs use (sets the defaults of mss, latency,
    /// bandwidth and buffers). `--both` runs the model on loopback unless a link is chosen.
    #[arg(long, value_parser = PossibleValuesParser::new(Link::NAMES.iter().copied()))]
    link: Option<String>,
    /// Any parameter, as key=value, read like a scenario file's [params] (e.g. --set
    /// loss=0.3 --set latency_ms=20).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Print one JSON object instead of the timeline.
    #[arg(long)]
    json: bool,
    /// Run on real sockets over 127.0.0.1 instead of the model.
    #[arg(long)]
    real: bool,
    /// Run both the model and real sockets, and print both metric sets side by side.
    #[arg(long, conflicts_with = "real")]
    both: bool,
    /// A slicer relay between the programs (real runs): slices of A ± V bytes, D ms
    /// apart (e.g. 1,0,1; D may be 500us). Implies --real unless --both is given.
    #[arg(long, value_name = "A,V,D")]
    slicer: Option<stickysim::realnet::SlicerSpec>,
    /// Run only the client program on real sockets, against this server (e.g. one
    /// started with `stickysim serve`). Implies --real.
    #[arg(long, value_name = "ADDR:PORT", conflicts_with = "both")]
    connect: Option<std::net::SocketAddr>,
    /// Also write the run's packets for Wireshark: pcapng with the model's explanations
    /// as packet comments (classic pcap when the name ends in .pcap). With --both, the
    /// model's run.
    #[arg(long, value_name = "FILE")]
    pcap: Option<PathBuf>,
}

use stickysim::realnet::serve::limits as serve_limits;

#[derive(clap::Args)]
struct SweepArgs {
    /// A scenario file, or a built-in scenario's number (4, 04) or name.
    scenario: String,
    /// A swept parameter: KEY=A,B,C (e.g. nagle=on,off) or KEY=LO..HI:STEP, HI included
    /// (e.g. recv_delay_ms=0..50:1). Repeat for a grid; the first varies slowest.
    #[arg(long = "param", value_name = "KEY=VALUES")]
    params: Vec<String>,
    /// A parameter fixed for every point, as in `run --set` (e.g. --set loss=0.1).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Runs per point, with seeds seed, seed+1, …; the point shows their averages.
    #[arg(long, default_value_t = 1)]
    runs_per_point: u32,
    /// Print one JSON object instead of the table.
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    /// Print CSV (a header line, then one line per point) instead of the table.
    #[arg(long)]
    csv: bool,
}

#[derive(clap::Args)]
struct HandoutArgs {
    /// Built-in scenarios (number or name) or scenario files.
    scenarios: Vec<String>,
    /// Every built-in scenario.
    #[arg(long)]
    all: bool,
    #[arg(long, value_enum, default_value = "md")]
    format: FormatArg,
    /// The folder to write into (made if missing); files are named
    /// NAME.LANG.md / NAME.LANG.html.
    #[arg(long, default_value = ".")]
    out: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Md,
    Html,
}

#[derive(clap::Args)]
struct CalibrateArgs {
    /// Built-in scenarios (number or name), scenario files, or folders of them
    /// (default: every built-in scenario).
    cases: Vec<String>,
    /// Real runs per case (1 to 100); the real result is what most of them showed.
    #[arg(long, default_value_t = stickysim::calibrate::DEFAULT_RUNS as u16,
          value_parser = clap::value_parser!(u16).range(1..=100))]
    runs: u16,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
    /// Print a Markdown table (docs/model-vs-real.md) instead.
    #[arg(long, conflicts_with = "json")]
    markdown: bool,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on. Anything but loopback must be given explicitly, and gets a
    /// warning: other machines can then connect.
    #[arg(long, default_value = "127.0.0.1")]
    bind: std::net::IpAddr,
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Which of the tutorial's servers to run.
    #[arg(long, value_enum, default_value = "upper")]
    app: ServeAppArg,
    /// Framing of replies (command), of both directions (upper), of the upload stream
    /// (upload: json-header, the default there). Default: raw.
    #[arg(long, value_enum)]
    framing: Option<FramingArg>,
    #[arg(long, value_enum)]
    byte_order: Option<ByteOrderArg>,
    /// How framed replies are written: separate send() calls for header and body (the
    /// tutorial's way, the default) or one.
    #[arg(long, value_enum)]
    header_writes: Option<HeaderWritesArg>,
    /// Folder for uploads (default: a new folder in the temp folder).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Any other framing parameter as in a scenario's [params] (repeatable):
    /// `--set delimiter='\r\n'`, `--set escape=true`, `--set record_size=64`,
    /// `--set decoder=tutorial`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// The bufsize of the server's recv() calls, as in conn.recv(1024) (1 to 65536).
    #[arg(long, default_value_t = 1024,
          value_parser = clap::value_parser!(u64).range(serve_limits::RECV_SIZE.0 as u64..=serve_limits::RECV_SIZE.1 as u64))]
    recv_size: u64,
    /// Connections served at once (1 to 1024). When all are taken, one idle for a tenth
    /// of --idle-timeout-s is closed to make room; else the newcomer is told so and closed.
    #[arg(long, default_value_t = 64,
          value_parser = clap::value_parser!(u64).range(serve_limits::MAX_CONNECTIONS.0 as u64..=serve_limits::MAX_CONNECTIONS.1 as u64))]
    max_connections: u64,
    /// Close a connection that sends nothing for this many seconds (1 to 86400).
    #[arg(long, default_value_t = 600,
          value_parser = clap::value_parser!(u64).range(serve_limits::IDLE_TIMEOUT_S.0..=serve_limits::IDLE_TIMEOUT_S.1))]
    idle_timeout_s: u64,
    /// A frame must be complete this many seconds after its first byte, plus one second
    /// per --min-rate bytes received (1 to 3600).
    #[arg(long, default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(serve_limits::FRAME_TIMEOUT_S.0..=serve_limits::FRAME_TIMEOUT_S.1))]
    frame_timeout_s: u64,
    /// Bytes per second a frame must keep up after --frame-timeout-s (1 to 1073741824).
    #[arg(long, default_value_t = 1024,
          value_parser = clap::value_parser!(u64).range(serve_limits::MIN_RATE.0..=serve_limits::MIN_RATE.1))]
    min_rate: u64,
    /// Largest file the upload app accepts, in MiB (0 to 4095).
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u64).range(0..=4095))]
    max_upload_mib: u64,
    /// Bytes the upload app accepts in one run of the server, all files together, in MiB
    /// (0 to 1048576).
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u64).range(0..=1024 * 1024))]
    upload_quota_mib: u64,
}

#[derive(Clone, Copy, ValueEnum)]
enum ServeAppArg {
    Upper,
    Command,
    Upload,
    UdpEcho,
}

#[derive(Clone, Copy, ValueEnum)]
enum LangArg {
    En,
    Zh,
}

#[derive(Clone, Copy, ValueEnum)]
enum OnOff {
    On,
    Off,
}

#[derive(Clone, Copy, ValueEnum)]
enum FramingArg {
    Raw,
    LengthPrefix,
    JsonHeader,
    Line,
    Fixed,
}

impl FramingArg {
    fn framing(self) -> Framing {
        match self {
            FramingArg::Raw => Framing::Raw,
            FramingArg::LengthPrefix => Framing::LengthPrefix,
            FramingArg::JsonHeader => Framing::JsonHeader,
            FramingArg::Line => Framing::Line,
            FramingArg::Fixed => Framing::Fixed,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum DelimiterArg {
    /// b'\n'
    Lf,
    /// b'\r\n'
    Crlf,
    /// b'\x00'
    Nul,
}

#[derive(Clone, Copy, ValueEnum)]
enum HeaderWritesArg {
    Combined,
    Separate,
}

#[derive(Clone, Copy, ValueEnum)]
enum DecoderArg {
    Correct,
    Tutorial,
}

#[derive(Clone, Copy, ValueEnum)]
enum ByteOrderArg {
    Little,
    Big,
}

impl RunArgs {
    fn overrides(&self) -> Overrides {
        let on = |o: Option<OnOff>| o.map(|o| matches!(o, OnOff::On));
        Overrides {
            framing: self.framing.map(FramingArg::framing),
            header_writes: self.header_writes.map(|h| match h {
                HeaderWritesArg::Combined => HeaderWrites::Combined,
                HeaderWritesArg::Separate => HeaderWrites::Separate,
            }),
            decoder: self.decoder.map(|d| match d {
                DecoderArg::Correct => DecoderKind::Correct,
                DecoderArg::Tutorial => DecoderKind::Tutorial,
            }),
            byte_order: self.byte_order.map(|b| match b {
                ByteOrderArg::Little => ByteOrder::Little,
                ByteOrderArg::Big => ByteOrder::Big,
            }),
            nagle: on(self.nagle),
            delayed_ack: on(self.delayed_ack),
            mss: self.mss,
            recv_size: self.recv_size,
            recv_delay_ms: self.recv_delay_ms,
            seed: self.seed,
            stack: self.stack.as_deref().and_then(Stack::from_name),
            link: self.link.as_deref().and_then(Link::from_name),
            set: self.set.clone(),
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let lang = match args.lang {
        LangArg::En => Lang::En,
        LangArg::Zh => Lang::Zh,
    };
    match run(args.command, lang) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("stickysim: {}", e.text(lang));
            ExitCode::from(2)
        }
    }
}

fn run(command: Option<Command>, lang: Lang) -> Result<ExitCode, CliError> {
    match command {
        #[cfg(feature = "gui")]
        None => open_gui(None)?,
        #[cfg(feature = "gui")]
        Some(Command::Gui { scenario }) => open_gui(scenario)?,
        #[cfg(not(feature = "gui"))]
        None => {
            out(&cli::list(lang));
            out("\nRun one:  stickysim run 04   (or a file: stickysim run my-case.toml)\n");
            out("Options:  stickysim run --help\n");
        }
        Some(Command::List) => out(&cli::list(lang)),
        Some(Command::Check { paths }) => {
            let (text, errors) = if paths.is_empty() {
                cli::check_builtin_in(lang)
            } else {
                cli::check_in(&paths, lang)?
            };
            out(&text);
            if errors > 0 {
                return Ok(ExitCode::from(1));
            }
        }
        Some(Command::Serve(a)) => return serve(a),
        Some(Command::Dissector {
            framing,
            byte_order,
            port,
            delimiter,
            record_size,
        }) => out(&stickysim::export::dissector::lua_with(
            stickysim::export::dissector::Defaults {
                framing: framing.map(FramingArg::framing),
                order: match byte_order {
                    Some(ByteOrderArg::Big) => ByteOrder::Big,
                    _ => ByteOrder::Little,
                },
                port,
                delimiter: match delimiter {
                    DelimiterArg::Lf => stickysim::params::Delimiter::Lf,
                    DelimiterArg::Crlf => stickysim::params::Delimiter::Crlf,
                    DelimiterArg::Nul => stickysim::params::Delimiter::Nul,
                },
                record_size,
            },
        )),
        Some(Command::Calibrate(a)) => return calibrate(a),
        Some(Command::Handout(a)) => handout(a, lang)?,
        Some(Command::Sweep(a)) => sweep(a)?,
        Some(Command::Run(r)) => {
            let scenario = cli::resolve(&r.scenario)?;
            let params = r.overrides().resolve(&scenario)?;
            if r.real || r.both || r.slicer.is_some() || r.connect.is_some() {
                return run_real(&r, &scenario, &params, lang);
            }
            let run = cli::run_sim(&scenario, &params)?;
            write_pcap(r.pcap.as_deref(), &run.trace)?;
            if r.json {
                out_json(&cli::render_json(&run));
            } else {
                out(&cli::render_text(&run, lang));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
