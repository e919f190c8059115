//! Quiz mode (predict, then reveal) and the "Why / 为什么" panel.
//!
//! The questions and their truth come from [`crate::quiz`]; this file only keeps the
//! playback from passing an unanswered question, hides what would give the answer away
//! (the step's note, the result, the verdict), asks (keys 1–4, Enter) and reveals.
//! The app calls [`sync`] once per frame after applying its commands.
//!
//! With real sockets the kernel's results would give the answer away too: the real panel
//! shows the real run only up to [`real_limit`]. In the Real view the questions are the
//! real run's (the truth is what the kernel returned), asked once it has finished; beside
//! the model (Both) the simulated question is asked, and the real chip of the same call
//! stays hidden until it is answered.

use egui::{Align2, Key, RichText};

use super::{Cmd, Mode, StickyApp, palette};
use crate::params::Params;
use crate::quiz::{self, Answer, Asked, Session};
pub use crate::quiz::{Inline, inline_pieces};
use crate::scenario::{Lang, Text};
use crate::trace::{Call, EventKind, Side};

/// A UI string in both languages (like `i18n::T`, kept here with the quiz's own words).
struct T(&'static str, &'static str);

impl T {
    fn get(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.0,
            Lang::Zh => self.1,
        }
    }
}

const QUIZ: T = T("Quiz", "测验");
const PREDICT: T = T("Predict, then reveal", "先预测，再揭晓");
const ANSWER: T = T("Answer (Enter)", "回答（Enter）");
const CONTINUE: T = T("Continue (Enter)", "继续（Enter）");
const RIGHT: T = T("✓ Right.", "✓ 答对了。");
const WRONG: T = T("× Not quite.", "× 不对。");
const IT_RETURNED: T = T("It returned:", "实际返回：");
const WHY: T = T("Why / 为什么", "为什么 / Why");
const SCORE: T = T("Score in this scenario", "本场景得分");
const WHO: T = T("Class or student", "班级或学生");
const EXPORT: T = T("Export answers (CSV)", "导出答案（CSV）");
const TYPE_IT: T = T(
    "Type what it returns, e.g. b'hello' (Enter)",
    "输入它返回的内容，例如 b'hello'（Enter）",
);
const NO_QUESTIONS: T = T(
    "This scenario asks nothing: play it and watch.",
    "这个场景没有提问：播放并观察即可。",
);
const WAITING_REAL: T = T(
    "The real run is still running: its questions come when it ends.",
    "真实运行尚未结束：结束后再提问。",
);
const HIDDEN: T = T("(answer the question first)", "（请先回答问题）");
const KERNEL_RETURNED: T = T(
    "On real loopback the kernel returned:",
    "在真实回环上，内核实际返回：",
);

/// What was answered.
#[derive(Clone, Debug, PartialEq)]
enum Given {
    Choice(usize),
    Typed(String),
}

/// The quiz's state in the app.
pub struct QuizState {
    pub on: bool,
    /// The run the questions belong to: (scenario, parameters, which real run: None for
    /// the simulated one).
    key: Option<(usize, Params, Option<u64>)>,
    pub questions: Vec<Asked>,
    given: Vec<Option<Given>>,
    /// The question being asked (index into `questions`).
    pub asking: Option<usize>,
    /// The question answered last; its reveal stays until the next question.
    pub revealed: Option<usize>,
    pub selected: Option<usize>,
    pub typed: String,
    /// Give the typed answer's field the keyboard once, when its question opens.
    focus_typed: bool,
    pub session: Session,
    /// Where the last export went, or why it failed.
    pub exported: Option<String>,
    /// The real run's questions, found again whenever its trace grows (what the real
    /// panel hides), and what they were found for: (run key, events, finished).
    pub real: Vec<Asked>,
    real_seen: Option<((usize, Params), usize, bool)>,
    /// Counts finished real runs: a new one gets its questions asked afresh.
    real_runs: u64,
}

impl Default for QuizState {
    fn default() -> Self {
        QuizState {
            on: false,
            key: None,
            questions: Vec::new(),
            given: Vec::new(),
            asking: None,
            revealed: None,
            selected: None,
            typed: String::new(),
            focus_typed: false,
            session: Session::new("class"),
            exported: None,
            real: Vec::new(),
            real_seen: None,
            real_runs: 0,
        }
    }
}

impl QuizState {
    pub fn set_on(&mut self, on: bool) {
        self.on = on;
        self.key = None;
    }

    fn question_of(&self, side: Side, step: usize) -> Option<&Asked> {
        let i = self.asking?;
        self.questions
            .get(i)
            .filter(|q| q.side == side && q.step == step)
    }
}

/// Once per frame, after the commands: keeps the questions in step with the run, and stops
/// the playback before the result of the first unanswered question it would pass.
pub fn sync(app: &mut StickyApp) {
    if !app.quiz.on {
        app.quiz.asking = None;
        return;
    }
    sync_real(app);
    if app.mode == Mode::Real {
        sync_real_mode(app);
        return;
    }
    let key = (app.current, app.playback.params.clone(), None);
    if app.quiz.key.as_ref() != Some(&key) {
        let qs = quiz::questions(app.scenario(), &app.playback.trace);
        set_questions(app, qs, key);
    }
    let shown = app.playback.events_shown();
    let at_end = app.playback.at_end();
    let total = app.playback.trace.events.len();
    // Due: the playback passed the result; or, for a call that never returns, reached the
    // end after the call started.
    let due = app
        .quiz
        .questions
        .iter()
        .enumerate()
        .find(|(i, q)| {
            app.quiz.given[*i].is_none()
                && (q.stop_event < shown
                    || (q.stop_event >= total && at_end && q.call_event < shown))
        })
        .map(|(i, q)| (i, q.stop_event));
    if let Some((i, stop)) = due {
        if stop < total {
            // Back to the last step before the result.
            app.playback.seek_event(stop);
            app.playback.step_back();
        }
        app.playing = false;
        app.clock = app.playback.now() as f64;
        open(app, i);
    }
}

fn set_questions(app: &mut StickyApp, qs: Vec<Asked>, key: (usize, Params, Option<u64>)) {
    app.quiz.given = vec![None; qs.len()];
    app.quiz.questions = qs;
    app.quiz.asking = None;
    app.quiz.revealed = None;
    app.quiz.selected = None;
    app.quiz.key = Some(key);
}

fn open(app: &mut StickyApp, i: usize) {
    if app.quiz.asking != Some(i) {
        app.quiz.asking = Some(i);
        app.quiz.revealed = None;
        app.quiz.selected = None;
        app.quiz.typed.clear();
        app.quiz.focus_typed = true;
    }
}

/// The real run's questions, as far as its trace has come.
fn sync_real(app: &mut StickyApp) {
    let Some(rv) = &app.real else {
        app.quiz.real.clear();
        app.quiz.real_seen = None;
        return;
    };
    let seen = (rv.key.clone(), rv.live.trace.events.len(), !rv.running());
    if app.quiz.real_seen.as_ref() == Some(&seen) {
        return;
    }
    let was_finished = app
        .quiz
        .real_seen
        .as_ref()
        .is_some_and(|s| s.0 == seen.0 && s.2 && s.1 <= seen.1);
    if seen.2 && !was_finished {
        app.quiz.real_runs += 1;
    }
    app.quiz.real = quiz::questions(app.scenario(), &rv.live.trace);
    app.quiz.real_seen = Some(seen);
}

/// The Real view: once the real run has finished, its questions are asked in order (its
/// chips stay hidden from the first unanswered one on: [`real_limit`]).
fn sync_real_mode(app: &mut StickyApp) {
    let finished = app.quiz.real_seen.as_ref().is_some_and(|s| s.2);
    if !finished {
        // A new run ("Run again"): the last run's answers do not uncover its chips.
        app.quiz.questions.clear();
        app.quiz.given.clear();
        app.quiz.asking = None;
        app.quiz.revealed = None;
        app.quiz.key = None;
        return;
    }
    let key = (
        app.current,
        app.playback.params.clone(),
        Some(app.quiz.real_runs),
    );
    if app.quiz.key.as_ref() != Some(&key) {
        let qs = app.quiz.real.clone();
        set_questions(app, qs, key);
    }
    if app.quiz.revealed.is_some() {
        return; // the reveal stays until "Continue"
    }
    match app.quiz.given.iter().position(Option::is_none) {
        Some(i) => open(app, i),
        None => app.quiz.asking = None,
    }
}

/// Whether the question about this call has been answered (in the Real view, the real
/// run's question; beside the model, the simulated one: a call the model never reaches
/// is never asked, so nothing is hidden for it).
fn answered(app: &StickyApp, side: Side, step: usize) -> bool {
    let i = app
        .quiz
        .questions
        .iter()
        .position(|q| q.side == side && q.step == step);
    match (app.mode, i) {
        (Mode::Real, None) => false,
        (_, None) => true,
        (_, Some(i)) => app.quiz.given.get(i).is_some_and(Option::is_some),
    }
}

/// How many of the real run's events the real panel may show: those before the result of
/// the first asked call whose question is not answered yet (all when the quiz is off).
pub fn real_limit(app: &StickyApp) -> usize {
    let total = app.real.as_ref().map_or(0, |r| r.live.trace.events.len());
    if !app.quiz.on {
        return total;
    }
    app.quiz
        .real
        .iter()
        .filter(|q| !answered(app, q.side, q.step))
        .map(|q| q.stop_event)
        .min()
        .unwrap_or(total)
        .min(total)
}

/// How many events the event list may list: in Quiz mode none from the result of the
/// first unanswered question on (greyed future rows would give the answer away too).
pub fn list_limit(app: &StickyApp, real: bool) -> usize {
    if real {
        return real_limit(app);
    }
    if !app.quiz.on {
        return usize::MAX;
    }
    app.quiz
        .questions
        .iter()
        .zip(&app.quiz.given)
        .filter(|(_, g)| g.is_none())
        .map(|(q, _)| q.stop_event)
        .min()
        .unwrap_or(usize::MAX)
}

/// The scenario's summary would give the answers away while any is still open.
pub fn hides_summary(app: &StickyApp) -> bool {
    app.quiz.on && app.quiz.given.iter().any(Option::is_none)
}

/// "(answer the question first)", where something is hidden.
pub fn hidden_text(lang: Lang) -> &'static str {
    HIDDEN.get(lang)
}

/// Shows the result of the scenario's first question (the end if it asks none): the
/// moment a lesson page's screenshot shows.
pub fn key_moment(app: &mut StickyApp) {
    let events = &app.playback.trace.events;
    let first = quiz::questions(app.scenario(), &app.playback.trace)
        .first()
        .filter(|q| q.stop_event < events.len())
        .map(|q| {
            // A framed read's first recv is its header: go on to the step's own return
            // (the message delivered, or the decoder's error).
            events[q.stop_event..]
                .iter()
                .position(|e| {
                    e.side == q.side
                        && match &e.kind {
                            EventKind::AppReturn { line, .. }
                            | EventKind::DecodeError { line, .. }
                            | EventKind::NetError { line, .. } => {
                                *line == q.step
                                    && !matches!(
                                        &e.kind,
                                        EventKind::AppReturn {
                                            call: Call::Recv { .. },
                                            ..
                                        }
                                    )
                            }
                            _ => false,
                        }
                })
                .map_or(q.stop_event, |k| q.stop_event + k)
        });
    match first {
        Some(at) => app.playback.seek_event(at),
        None => app.playback.seek(app.playback.len()),
    }
    app.playing = false;
    app.clock = app.playback.now() as f64;
}

/// The narration skips the note of the step being asked about.
pub fn hides_note(app: &StickyApp, side: Side, line: usize) -> bool {
    app.quiz.on && app.quiz.question_of(side, line).is_some()
}

/// The verdict and metrics would give the answer away while a question is open.
pub fn hides_results(app: &StickyApp) -> bool {
    app.quiz.on && app.quiz.asking.is_some()
}

/// The top bar's switch.
pub fn toggle(ui: &mut egui::Ui, app: &StickyApp, cmds: &mut Vec<Cmd>) {
    let lang = app.lang();
    let mut on = app.quiz.on;
    let resp = ui
        .toggle_value(&mut on, QUIZ.get(lang))
        .on_hover_text(PREDICT.get(lang));
    resp.widget_info(|| egui::WidgetInfo::selected(egui::Role::Button, true, on, "Quiz"));
    if on != app.quiz.on {
        cmds.push(Cmd::Quiz(on));
    }
}

fn answer(app: &mut StickyApp, given: Given) {
    let Some(i) = app.quiz.asking else { return };
    let Some(q) = app.quiz.questions.get(i) else {
        return;
    };
    let lang = app.lang();
    let name = app.scenario().name.clone();
    let record = match &given {
        Given::Choice(c) => Answer::chosen(&name, q, *c, lang),
        Given::Typed(t) => Some(Answer::typed(&name, q, t, lang)),
    };
    let Some(record) = record else { return };
    let stop = q.stop_event;
    app.quiz.session.record(record);
    app.quiz.given[i] = Some(given);
    app.quiz.asking = None;
    app.quiz.revealed = Some(i);
    if app.mode == Mode::Real {
        return; // the real panel shows the chip now (`real_limit`)
    }
    // Reveal: show the step that produced the result (its chip appears).
    app.playback.seek_event(stop);
    app.clock = app.playback.now() as f64;
}

fn is_right(q: &Asked, g: &Given) -> bool {
    match g {
        Given::Choice(c) => q
            .choices
            .get(*c)
            .is_some_and(|c| c.expect.matches(&q.truth)),
        Given::Typed(t) => q.typed_is_right(t),
    }
}

/// The quiz window: the open question, or the last reveal, and the score.
pub fn show(ctx: &egui::Context, app: &mut StickyApp) {
    if !app.quiz.on {
        return;
    }
    let lang = app.lang();
    let mut act: Option<Given> = None;
    let mut play = false;
    let mut export = false;
    egui::Window::new(QUIZ.get(lang))
        .anchor(Align2::RIGHT_TOP, [-12.0, 48.0])
        .collapsible(true)
        .resizable(false)
        .default_width(420.0)
        .show(ctx, |ui| {
            ui.set_max_width(460.0);
            let real_running =
                app.mode == Mode::Real && !app.quiz.real_seen.as_ref().is_some_and(|s| s.2);
            if real_running {
                ui.label(WAITING_REAL.get(lang));
            } else if app.quiz.questions.is_empty() {
                ui.label(NO_QUESTIONS.get(lang));
            }
            let asking = app
                .quiz
                .asking
                .and_then(|i| app.quiz.questions.get(i).cloned());
            let revealed = app.quiz.revealed.and_then(|i| {
                let q = app.quiz.questions.get(i)?.clone();
                let g = app.quiz.given.get(i)?.clone()?;
                Some((q, g))
            });
            if let Some(asked) = &asking {
                ui.label(RichText::new(asked.prompt.get(lang)).size(18.0).strong());
                let who = match asked.side {
                    Side::Client => super::i18n::CLIENT.get(lang),
                    Side::Server => super::i18n::SERVER.get(lang),
                };
                ui.weak(format!("{who} · {}", asked.call));
                ui.add_space(4.0);
                if asked.typed() {
                    let mut typed = app.quiz.typed.clone();
                    let resp = ui.add(
                        egui::TextEdit::singleline(&mut typed)
                            .hint_text(TYPE_IT.get(lang))
                            .desired_width(400.0),
                    );
                    resp.widget_info(|| {
                        egui::WidgetInfo::labeled(egui::Role::TextInput, true, "typed answer")
                    });
                    if std::mem::take(&mut app.quiz.focus_typed) {
                        resp.request_focus();
                    }
                    if resp.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)) {
                        act = Some(Given::Typed(typed.clone()));
                    }
                    app.quiz.typed = typed;
                    if ui.button(ANSWER.get(lang)).clicked() {
                        act = Some(Given::Typed(app.quiz.typed.clone()));
                    }
                } else {
                    let keys = [Key::Num1, Key::Num2, Key::Num3, Key::Num4];
                    // Keys count only when no text field has the keyboard.
                    let free = ui.ctx().memory(|m| m.focused().is_none());
                    for (k, c) in asked.choices.iter().enumerate() {
                        let chosen = app.quiz.selected == Some(k);
                        let text = format!("{}  {}", k + 1, c.label.get(lang));
                        let resp = ui.selectable_label(chosen, RichText::new(text).size(16.0));
                        let label = format!("choice {}: {}", k + 1, c.label.en);
                        resp.widget_info(|| {
                            egui::WidgetInfo::labeled(egui::Role::Button, true, &label)
                        });
                        if resp.clicked() {
                            app.quiz.selected = Some(k);
                        }
                        if free && ui.input(|i| keys.get(k).is_some_and(|key| i.key_pressed(*key)))
                        {
                            app.quiz.selected = Some(k);
                        }
                    }
                    ui.add_space(4.0);
                    let enter = free && ui.input(|i| i.key_pressed(Key::Enter));
                    let clicked = ui
                        .add_enabled(
                            app.quiz.selected.is_some(),
                            egui::Button::new(ANSWER.get(lang)),
                        )
                        .clicked();
                    if let Some(k) = app.quiz.selected
                        && (clicked || enter)
                    {
                        act = Some(Given::Choice(k));
                    }
                }
            } else if let Some((asked, given)) = &revealed {
                ui.label(RichText::new(asked.prompt.get(lang)).strong());
                if is_right(asked, given) {
                    ui.colored_label(palette::INTACT, RichText::new(RIGHT.get(lang)).size(18.0));
                } else {
                    ui.colored_label(palette::BROKEN, RichText::new(WRONG.get(lang)).size(18.0));
                }
                ui.label(format!(
                    "{} {}",
                    IT_RETURNED.get(lang),
                    asked.truth_label.get(lang)
                ));
                // Beside the model: what the kernel's run returned at the same call.
                let real = app
                    .quiz
                    .real
                    .iter()
                    .find(|q| q.side == asked.side && q.step == asked.step);
                if let Some(r) = real.filter(|_| app.mode == Mode::Both) {
                    ui.label(format!(
                        "{} {}",
                        KERNEL_RETURNED.get(lang),
                        r.truth_label.get(lang)
                    ));
                }
                let scenario = app.scenario();
                let note = crate::timeline::step_note(scenario, asked.side, asked.step, lang);
                if let Some(n) = note {
                    ui.add_space(4.0);
                    ui.label(RichText::new(n).size(15.0));
                }
                ui.add_space(4.0);
                let free = ui.ctx().memory(|m| m.focused().is_none());
                if ui.button(CONTINUE.get(lang)).clicked()
                    || (free && ui.input(|i| i.key_pressed(Key::Enter)))
                {
                    play = true;
                }
            }
            ui.separator();
            let name = &app.scenario().name;
            let score = app.quiz.session.score(name);
            let resp = ui.label(format!(
                "{}: {} / {}",
                SCORE.get(lang),
                score.right,
                score.asked
            ));
            let label = format!("score {} of {}", score.right, score.asked);
            resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &label));
            ui.horizontal(|ui| {
                ui.label(WHO.get(lang));
                let resp = ui.add(
                    egui::TextEdit::singleline(&mut app.quiz.session.who).desired_width(120.0),
                );
                resp.widget_info(|| {
                    egui::WidgetInfo::labeled(egui::Role::TextInput, true, "class or student")
                });
                if ui.button(EXPORT.get(lang)).clicked() {
                    export = true;
                }
            });
            if let Some(e) = &app.quiz.exported {
                ui.weak(e);
            }
        });
    if let Some(g) = act {
        answer(app, g);
    } else if play {
        app.quiz.revealed = None;
        if app.mode != Mode::Real && !app.playback.at_end() {
            app.apply(Cmd::Play(true));
        }
    }
    if export {
        app.quiz.exported = Some(export_csv(&app.quiz.session));
    }
}

/// Writes the answers next to where the app was started; says where, or why not.
fn export_csv(session: &Session) -> String {
    let csv = Session::csv(std::slice::from_ref(session));
    let safe: String = session
        .who
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .take(40)
        .collect();
    let path = std::path::PathBuf::from(format!("stickysim-answers-{safe}.csv"));
    match std::fs::write(&path, csv) {
        Ok(()) => {
            let full = std::fs::canonicalize(&path).unwrap_or(path);
            format!("→ {}", full.display())
        }
        Err(e) => format!("× {}: {e}", path.display()),
    }
}

/// The scenario's lesson, in a collapsible "Why / 为什么" section (closed while a question
/// is open: it would give the answer away).
pub fn lesson_panel(ui: &mut egui::Ui, app: &StickyApp) {
    let lang = app.lang();
    let Some(lesson) = app.scenario().lesson.as_ref() else {
        return;
    };
    egui::CollapsingHeader::new(RichText::new(WHY.get(lang)).strong())
        .id_salt("lesson")
        .default_open(false)
        .show(ui, |ui| {
            if hides_results(app) {
                ui.weak(HIDDEN.get(lang));
            } else {
                markdown_lite(ui, lesson, lang);
            }
        });
}

/// Paragraphs (blank lines), `- ` and `1. ` list lines, `code` and **bold**.
pub fn markdown_lite(ui: &mut egui::Ui, text: &Text, lang: Lang) {
    for para in text.get(lang).split("\n\n") {
        let para = para.trim();
        if para.is_empty() {
            continue;
        }
        for line in para.lines() {
            let line = line.trim();
            ui.horizontal_wrapped(|ui| {
                ui.spacing_mut().item_spacing.x = 0.0;
                for (kind, piece) in inline_pieces(line) {
                    let rich = match kind {
                        Inline::Plain => RichText::new(piece),
                        Inline::Bold => RichText::new(piece).strong(),
                        Inline::Code => RichText::new(piece).code(),
                    };
                    ui.label(rich);
                }
            });
        }
        ui.add_space(6.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_markers() {
        assert_eq!(
            inline_pieces("a **b** `c` d"),
            vec![
                (Inline::Plain, "a ".into()),
                (Inline::Bold, "b".into()),
                (Inline::Plain, " ".into()),
                (Inline::Code, "c".into()),
                (Inline::Plain, " d".into()),
            ]
        );
        assert_eq!(
            inline_pieces("`**` and **x"),
            vec![
                (Inline::Code, "**".into()),
                (Inline::Plain, " and **x".into())
            ]
        );
        assert_eq!(
            inline_pieces("中文 `recv`"),
            vec![
                (Inline::Plain, "中文 ".into()),
                (Inline::Code, "recv".into())
            ]
        );
    }
}
