//! The real-socket panels in the browser: a page cannot open TCP sockets, so the Real,
//! Both and Live-server parts say "desktop only" in their place. The same API as
//! `real.rs`, so the rest of the GUI is unchanged.

use egui::RichText;

use super::i18n::T;
use super::{Cmd, StickyApp, palette};
use crate::params::Params;
use crate::scenario::Scenario;
use crate::trace::{Trace, TraceMode};

pub const DESKTOP_ONLY: T = T(
    "Desktop only: real sockets cannot be opened from a web page. Install stickysim to \
     run this scenario over 127.0.0.1 beside the model.",
    "仅限桌面版：网页无法打开真实的套接字。安装 stickysim 即可在 127.0.0.1 上运行此场景，\
     与模型对照。",
);
pub const SERVER_DESKTOP_ONLY: T = T(
    "Desktop only: a web page cannot listen for connections. Install stickysim and run \
     `stickysim serve` to watch your own clients' recv() chunks.",
    "仅限桌面版：网页无法监听连接。安装 stickysim 并运行 `stickysim serve`，\
     即可观察自己的客户端的每次 recv()。",
);

/// Stands in for a real run: remembers what it was started for, never runs; its trace
/// stays empty.
pub struct RealView {
    pub key: (usize, Params),
    pub live: Live,
}

/// The part of `realnet::LiveTrace` the other panels read.
pub struct Live {
    pub trace: Trace,
}

impl RealView {
    pub fn start(index: usize, scenario: &Scenario, params: &Params) -> RealView {
        RealView {
            key: (index, params.clone()),
            live: Live {
                trace: Trace::new(&scenario.name, TraceMode::Real, params),
            },
        }
    }

    pub fn poll(&mut self) -> bool {
        false
    }

    pub fn running(&self) -> bool {
        false
    }

    pub fn stop(&mut self) {}
}

pub fn show(ui: &mut egui::Ui, app: &StickyApp, _cmds: &mut [Cmd]) {
    notice(ui, DESKTOP_ONLY.get(app.lang()));
}

/// Stands in for the live server (a field, so that `ServerView::default()` reads as for
/// the real one).
#[derive(Default)]
pub struct ServerView {
    _none: (),
}

impl ServerView {
    pub fn start(&mut self) {}
    pub fn stop(&mut self) {}
    pub fn running(&self) -> bool {
        false
    }
    pub fn poll(&mut self) -> bool {
        false
    }
}

pub fn server_panel(ui: &mut egui::Ui, app: &mut StickyApp, _cmds: &mut [Cmd]) {
    notice(ui, SERVER_DESKTOP_ONLY.get(app.lang()));
}

fn notice(ui: &mut egui::Ui, text: &str) {
    ui.add_space(8.0);
    let resp = ui.label(RichText::new(text).size(15.0).color(palette::BROKEN));
    resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, text));
}
