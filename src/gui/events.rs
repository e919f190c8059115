//! The event list (time, place, event, bytes), filtered by place and kind; clicking a
//! row jumps there.

use egui::{RichText, Sense};

use super::{Cmd, Selection, StickyApp, i18n};
use crate::timeline;
use crate::trace::{Event, EventKind, Side};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Place {
    #[default]
    All,
    Client,
    Server,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Kind {
    #[default]
    All,
    /// Application calls and what they returned.
    App,
    /// Segments, ACKs, timers, buffers.
    Tcp,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub place: Place,
    pub kind: Kind,
}

fn is_app(k: &EventKind) -> bool {
    matches!(
        k,
        EventKind::AppCall { .. }
            | EventKind::AppBlocked { .. }
            | EventKind::AppReturn { .. }
            | EventKind::Eof { .. }
            | EventKind::Deliver { .. }
            | EventKind::FrameHeader { .. }
            | EventKind::DecodeError { .. }
            | EventKind::SendShort { .. }
            | EventKind::Truncated { .. }
            | EventKind::NetError { .. }
            | EventKind::Exception { .. }
            | EventKind::ProgramEnd
    )
}

impl Filter {
    pub fn keeps(&self, e: &Event) -> bool {
        let place = match self.place {
            Place::All => true,
            Place::Client => e.side == Side::Client,
            Place::Server => e.side == Side::Server,
        };
        let kind = match self.kind {
            Kind::All => true,
            Kind::App => is_app(&e.kind),
            Kind::Tcp => !is_app(&e.kind),
        };
        place && kind
    }
}

pub fn show(ui: &mut egui::Ui, app: &mut StickyApp, cmds: &mut Vec<Cmd>) {
    let lang = app.lang();
    ui.horizontal(|ui| {
        ui.strong(i18n::EVENTS.get(lang));
        ui.separator();
        let f = &mut app.events_filter;
        ui.selectable_value(&mut f.place, Place::All, i18n::ALL.get(lang));
        ui.selectable_value(&mut f.place, Place::Client, i18n::CLIENT.get(lang));
        ui.selectable_value(&mut f.place, Place::Server, i18n::SERVER.get(lang));
        ui.separator();
        ui.selectable_value(&mut f.kind, Kind::All, i18n::ALL.get(lang));
        ui.selectable_value(&mut f.kind, Kind::App, i18n::APP_EVENTS.get(lang));
        ui.selectable_value(&mut f.kind, Kind::Tcp, i18n::TCP_EVENTS.get(lang));
    });
    let pb = &app.playback;
    // In the real world alone, the list is the real run's (as it streams in).
    let real = app.real.as_ref().filter(|_| app.mode == super::Mode::Real);
    let (trace, shown, pos) = match real {
        Some(r) => (
            &r.live.trace,
            r.live.trace.events.len(),
            r.live.trace.events.len(),
        ),
        None => (&pb.trace, pb.events_shown(), pb.pos()),
    };
    // Quiz mode: nothing from an unanswered question's result on.
    let limit = super::quiz::list_limit(app, real.is_some());
    let rows: Vec<usize> = (0..trace.events.len().min(limit))
        .filter(|&i| app.events_filter.keeps(&trace.events[i]))
        .collect();
    let row_h = ui.text_style_height(&egui::TextStyle::Monospace) + 4.0;
    let mut area = egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .id_salt("events");
    // Follow the newest event when the step changes.
    if app.events_scrolled_to != Some(pos) {
        let current_row = rows.partition_point(|&i| i < shown);
        let pitch = row_h + ui.spacing().item_spacing.y;
        // How far the list could scroll in the last frame (0 on the first).
        let max = app.events_max_scroll.unwrap_or(0.0);
        area = area
            .vertical_scroll_offset(((current_row as f32 - 3.0) * pitch).clamp(0.0, max))
            .animated(false);
    }
    let out = area.show_rows(ui, row_h, rows.len(), |ui, range| {
        for &i in &rows[range] {
            let e = &trace.events[i];
            let past = i < shown;
            // The selection is highlighted; the newest event (where the run is) is marked
            // with an arrow and bold text instead, so the two never look alike.
            let newest = past && i + 1 == shown;
            let text = format!(
                "{}{:>10}  {:<6} {}",
                if newest { "▶" } else { " " },
                timeline::ms(e.t_us),
                crate::narration::side_name(e.side, lang),
                crate::narration::describe(trace, e, lang)
            );
            let mut rich = RichText::new(&text).monospace();
            if !past {
                rich = rich.weak();
            }
            if newest {
                rich = rich.strong();
            }
            let selected = app.selection == Some(Selection::Event(i));
            let resp = ui.add(
                egui::Button::selectable(selected, rich)
                    .truncate()
                    .sense(Sense::click()),
            );
            if resp.clicked() && real.is_none() {
                cmds.push(Cmd::SeekEvent(i));
            }
        }
    });
    app.events_max_scroll = Some((out.content_size.y - out.inner_rect.height()).max(0.0));
    app.events_scrolled_to = Some(pos);
}
