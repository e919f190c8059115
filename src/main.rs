//! `stickysim`: the command line. `stickysim` alone lists the scenarios.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use stickysim::cli::{self, CliError, Overrides};
use stickysim::params::{ByteOrder, DecoderKind, Framing, HeaderWrites};
use stickysim::scenario::Lang;

#[derive(Parser)]
#[command(name = "stickysim", version, about = "Why TCP glues and splits messages (粘包 / 拆包), and how framing fixes it")]
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
    Check {
        paths: Vec<PathBuf>,
    },
    /// Run a scenario in the simulated model and print its timeline and metrics.
    Run(RunArgs),
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
    #[arg(long)]
    seed: Option<u64>,
    /// Any other parameter, as key=value (e.g. --set loss=0.3 --set latency_ms=20).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Print one JSON object instead of the timeline.
    #[arg(long)]
    json: bool,
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
            framing: self.framing.map(|f| match f {
                FramingArg::Raw => Framing::Raw,
                FramingArg::LengthPrefix => Framing::LengthPrefix,
                FramingArg::JsonHeader => Framing::JsonHeader,
            }),
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
            eprintln!("stickysim: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(command: Option<Command>, lang: Lang) -> Result<ExitCode, CliError> {
    match command {
        None => {
            print!("{}", cli::list(lang));
            println!("\nRun one:  stickysim run 04   (or a file: stickysim run my-case.toml)");
            println!("Options:  stickysim run --help");
        }
        Some(Command::List) => print!("{}", cli::list(lang)),
        Some(Command::Check { paths }) => {
            let (text, errors) = if paths.is_empty() { cli::check_builtin() } else { cli::check(&paths)? };
            print!("{text}");
            if errors > 0 {
                return Ok(ExitCode::from(1));
            }
        }
        Some(Command::Run(r)) => {
            let scenario = cli::resolve(&r.scenario)?;
            let params = r.overrides().apply(&scenario.params)?;
            let run = cli::run_sim(&scenario, &params)?;
            if r.json {
                println!("{}", serde_json::to_string_pretty(&cli::render_json(&run)).unwrap_or_default());
            } else {
                print!("{}", cli::render_text(&run, lang));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
