//! The GUI's side of deep links ([`crate::deeplink`]) and of a teacher's own scenario
//! files: applying a link, writing the link of what is shown ("copy link"), opening a
//! file (dropped on the window, or picked in the browser) with its errors shown as
//! `stickysim check` prints them, and the one-line status the browser test reads.

use egui::RichText;

use super::{Cmd, StickyApp, View, i18n::T, palette};
use crate::deeplink::{self, DeepLink, LinkError, LinkView, Source};
use crate::scenario::{self, Lang, Text};

/// Largest scenario file opened (the built-in ones are a few KiB).
pub const MAX_FILE: usize = 1024 * 1024;

pub const COPY_LINK: T = T("Copy link", "复制链接");
pub const COPIED: T = T("Link copied", "链接已复制");
pub const COPY_LINK_HINT: T = T(
    "A link to exactly this: scenario, parameters, view, language and step. The desktop \
     app opens it too: stickysim gui 'LINK'",
    "指向当前画面的链接：场景、参数、视图、语言和步数。桌面版也能打开：stickysim gui '链接'",
);
pub const OPEN_FILE: T = T("Open scenario file…", "打开场景文件…");
pub const DROP_HINT: T = T(
    "Drop a scenario file (.toml) on the window to open it",
    "把场景文件 (.toml) 拖到窗口上即可打开",
);
pub const FILE_HINT: T = T("(drop a .toml here)", "（可拖入 .toml）");
pub const CANNOT_OPEN: T = T("Cannot open", "无法打开");
pub const CLOSE: T = T("Close", "关闭");

/// What the app keeps for links and opened files.
#[derive(Default)]
pub struct LinkState {
    /// The text of each scenario opened from a file or a link, by index in
    /// `app.scenarios` (a built-in one has none, and is linked by number).
    pub files: Vec<(usize, String)>,
    /// The last link or file that could not be opened, and why (in English; the note
    /// shows [`LinkState::error_in`]).
    pub error: Option<(String, String)>,
    /// Why, in both languages, when it was said in both.
    error_both: Option<Text>,
    /// The page's address without its fragment (web); `None` on the desktop, where the
    /// link copied is the fragment alone.
    pub base_url: Option<String>,
}

impl LinkState {
    /// Why the last link or file could not be opened, in `lang`: the bilingual text kept
    /// with `error`, if it still is `error`'s, else `error` as it is.
    pub fn error_in(&self, lang: Lang) -> Option<&str> {
        match (&self.error, &self.error_both) {
            (Some((_, why)), Some(t)) if *why == t.en => Some(t.get(lang)),
            (Some((_, why)), _) => Some(why),
            (None, _) => None,
        }
    }

    /// Keeps a failure: what could not be opened, and why in both languages.
    fn fail(&mut self, what: String, why: Text) {
        self.error = Some((what, why.en.clone()));
        self.error_both = Some(why);
    }
}

impl StickyApp {
    /// Shows what `link` says; the parts it leaves out stay as they are.
    pub fn apply_link(&mut self, link: &DeepLink) -> Result<(), LinkError> {
        if let Some(s) = link.scenario()? {
            let index = match &link.source {
                Some(Source::File { text, .. }) => self.add_scenario(s.clone(), text.clone()),
                _ => self
                    .scenarios
                    .iter()
                    .position(|b| b.name == s.name)
                    .unwrap_or(0),
            };
            self.apply(Cmd::Scenario(index));
        }
        // Parameters over the scenario's own, if the link names a scenario or any.
        let params = link.params(self.scenario());
        if (link.source.is_some() || !link.settings.is_empty()) && params != self.playback.params {
            self.apply(Cmd::Params(params));
        }
        if let Some(l) = link.lang {
            self.apply(Cmd::Lang(l));
        }
        if let Some(v) = link.view {
            self.apply(Cmd::View(match v {
                LinkView::Main => View::Main,
                LinkView::Compare => View::Compare,
            }));
        }
        if let Some(step) = link.step {
            self.apply(Cmd::Reset);
            self.playback.seek(step);
            self.clock = self.playback.now() as f64;
        }
        Ok(())
    }

    /// [`Self::apply_link`] for text; a bad link is kept to be shown, not applied.
    pub fn open_link(&mut self, text: &str) {
        if let Err(e) = DeepLink::parse(text).and_then(|l| self.apply_link(&l)) {
            let shown: String = text.chars().take(120).collect();
            self.link_failed(shown, &e);
        }
    }

    /// Keeps a link that could not be applied, to be shown in either language: `what`
    /// names it.
    pub fn link_failed(&mut self, what: String, e: &LinkError) {
        self.link
            .fail(what, Text::both(e.to_string(), e.text(Lang::Zh)));
    }

    /// The link of what is shown now.
    pub fn deep_link(&self) -> DeepLink {
        let file = self
            .link
            .files
            .iter()
            .find(|(i, _)| *i == self.current)
            .map(|(_, text)| text.as_str());
        let view = match self.view {
            View::Compare => LinkView::Compare,
            _ => LinkView::Main,
        };
        DeepLink::of(
            self.scenario(),
            file,
            &self.playback.params,
            self.lang(),
            view,
            self.playback.pos(),
        )
    }

    /// The link to copy: the page's address with the fragment, or `#fragment`.
    pub fn link_text(&self) -> String {
        let fragment = self.deep_link().to_fragment();
        format!("{}#{fragment}", self.link.base_url.as_deref().unwrap_or(""))
    }

    /// A one-line, read-only summary of the state (the browser's title; the web test
    /// reads it): `stickysim · 04 · step 12/31 · length-prefix · en · main`.
    pub fn status(&self) -> String {
        let s = self.scenario();
        let label = match s.number() {
            Some(n) if !self.link.files.iter().any(|(i, _)| *i == self.current) => {
                format!("{n:02}")
            }
            _ => s.name.clone(),
        };
        let view = match self.view {
            View::Compare => "compare",
            View::Server => "server",
            _ => "main",
        };
        format!(
            "stickysim · {label} · step {}/{} · {} · {} · {view}",
            self.playback.pos(),
            self.playback.len(),
            self.playback.params.framing.name(),
            deeplink::lang_name(self.lang()),
        )
    }

    /// Opens a scenario file's bytes: shown at once if valid, else its errors are.
    pub fn open_file(&mut self, name: &str, bytes: &[u8]) {
        let file = name.rsplit(['/', '\\']).next().unwrap_or(name).to_string();
        if bytes.len() > MAX_FILE {
            let kib = MAX_FILE / 1024;
            self.link.fail(
                file,
                Text::both(
                    format!("the file is larger than {kib} KiB"),
                    format!("文件超过 {kib} KiB"),
                ),
            );
            return;
        }
        match scenario::parse_bytes_all(bytes, &file) {
            Ok(s) => {
                // The bytes are valid UTF-8: the parser checked.
                let text = String::from_utf8_lossy(bytes).into_owned();
                let index = self.add_scenario(s, text);
                self.apply(Cmd::Scenario(index));
                self.link.error = None;
            }
            Err(errors) => self.link.fail(
                file,
                Text::both(
                    deeplink::check_lines_in(&errors, Lang::En),
                    deeplink::check_lines_in(&errors, Lang::Zh),
                ),
            ),
        }
    }

    /// Adds an opened scenario (or finds the same one opened before); returns its index.
    fn add_scenario(&mut self, s: scenario::Scenario, text: String) -> usize {
        if let Some((i, _)) = self
            .link
            .files
            .iter()
            .find(|(i, t)| *t == text && self.scenarios[*i].name == s.name)
        {
            return *i;
        }
        // Its name links it, so one that takes a built-in's name gets a mark.
        let mut s = s;
        if self.scenarios.iter().any(|b| b.name == s.name) {
            s.name = format!("{}-file{}", s.name, self.link.files.len() + 1);
        }
        self.scenarios.push(s);
        let index = self.scenarios.len() - 1;
        self.link.files.push((index, text));
        index
    }
}

/// Takes the files dropped on the window this frame (the desktop reads them at once; the
/// browser reads them asynchronously, see `web.rs`).
pub fn take_dropped(ui: &egui::Ui, app: &mut StickyApp) {
    let dropped = ui.input(|i| i.raw.dropped_files.clone());
    for f in dropped {
        let name = f.path().display().to_string();
        #[cfg(not(target_arch = "wasm32"))]
        match f.bytes() {
            Ok(bytes) => app.open_file(&name, &bytes),
            Err(e) => app.link.error = Some((name, e)),
        }
        #[cfg(target_arch = "wasm32")]
        {
            // The file's own result comes in a later frame; the last one's note goes.
            app.link.error = None;
            super::web::read_dropped(ui.ctx().clone(), f, name);
        }
    }
}

/// "Copy link" and, in the browser, "Open scenario file…" (for the top bar).
pub fn buttons(ui: &mut egui::Ui, app: &StickyApp) {
    let lang = app.lang();
    // When the link was last copied, for a short "copied" on the button.
    let id = egui::Id::unique("link-copied");
    let now = ui.input(|i| i.time);
    let copied = ui
        .ctx()
        .data(|d| d.get_temp::<f64>(id))
        .is_some_and(|t| now - t < 2.0);
    let label = if copied { COPIED } else { COPY_LINK };
    if ui
        .button(label.get(lang))
        .on_hover_text(COPY_LINK_HINT.get(lang))
        .clicked()
    {
        ui.ctx().copy_text(app.link_text());
        ui.ctx().data_mut(|d| d.insert_temp(id, now));
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_secs_f64(2.1));
    }
    #[cfg(target_arch = "wasm32")]
    if ui
        .button(OPEN_FILE.get(lang))
        .on_hover_text(DROP_HINT.get(lang))
        .clicked()
    {
        super::web::pick_file();
    }
    #[cfg(not(target_arch = "wasm32"))]
    ui.weak(FILE_HINT.get(lang))
        .on_hover_text(DROP_HINT.get(lang));
}

/// The note of a bad link or file, with the errors as `check` prints them.
pub fn errors(ui: &egui::Ui, app: &mut StickyApp) {
    let lang = app.lang();
    let (Some((what, _)), Some(why)) = (&app.link.error, app.link.error_in(lang)) else {
        return;
    };
    let mut open = true;
    let mut close = false;
    egui::Window::new(format!("{} {what}", CANNOT_OPEN.get(lang)))
        .id(egui::Id::unique("link-error"))
        .open(&mut open)
        .collapsible(false)
        .default_width(560.0)
        .show(ui.ctx(), |ui| {
            egui::ScrollArea::vertical()
                .max_height(300.0)
                .show(ui, |ui| {
                    ui.label(RichText::new(why).monospace().color(palette::BROKEN));
                });
            close = ui.button(CLOSE.get(lang)).clicked();
        });
    if !open || close {
        app.link.error = None;
    }
}
