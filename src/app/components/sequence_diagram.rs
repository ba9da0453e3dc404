//! The sequence diagram, drawn as SVG from [`crate::app::diagram::Diagram`]: one lane per
//! party, time downwards (one row per operation, its time on the axis), an arrow per
//! operation with the whole trace line as its tooltip.

use yew::prelude::*;

use crate::app::diagram::{Arrow, Diagram, Style};
use crate::app::display;

/// Width of the time axis.
const AXIS: i64 = 80;
/// Distance between two lanes (a long label, ~60 characters, fits between two).
const LANE: i64 = 330;
/// Height of the lane headers.
const HEAD: i64 = 58;
/// Height of one row (one arrow).
const ROW: i64 = 28;

fn lane_x(lane: usize) -> i64 {
    AXIS + LANE / 2 + LANE * lane as i64
}

/// The diagram `d` as an `<svg>` of its natural size (its container scrolls), `label` its
/// accessible name. A function, not a component: its one caller, `DiagramPanel`, renders only
/// when the diagram changes, and a component of its own costs the page 1 KB of wasm.
pub fn sequence_diagram(d: &Diagram, label: String) -> Html {
    let width = AXIS + LANE * d.lanes.len() as i64;
    let height = HEAD + ROW * d.arrows.len() as i64 + ROW / 2;
    let lanes = d.lanes.iter().enumerate().map(|(i, lane)| {
        let x = lane_x(i).to_string();
        html! {
            <g class="lane" data-lane={if i == crate::app::diagram::SERVER { "server" } else { "party" }}>
                <text x={x.clone()} y="18" class="lane-label" text-anchor="middle">{ &lane.label }</text>
                <text x={x.clone()} y="36" class="lane-note" text-anchor="middle">{ &lane.note }</text>
                <line x1={x.clone()} x2={x} y1="46" y2={height.to_string()} class="lifeline" />
            </g>
        }
    });
    let arrows = d.arrows.iter().enumerate().map(|(row, a)| arrow(row, a));
    html! {
        <svg class="sequence" role="img" aria-label={label}
            width={width.to_string()} height={height.to_string()}
            viewBox={format!("0 0 {width} {height}")} xmlns="http://www.w3.org/2000/svg">
            <text x="8" y="18" class="axis-label">{ "time since" }</text>
            <text x="8" y="32" class="axis-label">{ "its request" }</text>
            { for lanes }
            { for arrows }
        </svg>
    }
}

/// One arrow: its time on the axis, a line with a head, its label above it.
fn arrow(row: usize, a: &Arrow) -> Html {
    let y = HEAD + ROW * row as i64 + ROW / 2 + 6;
    let (x1, x2) = (lane_x(a.from), lane_x(a.to));
    let dir = if x2 >= x1 { 1 } else { -1 };
    let tip = x2 - dir * 2;
    let head = format!(
        "{tip},{y} {},{} {},{}",
        tip - dir * 9,
        y - 5,
        tip - dir * 9,
        y + 5
    );
    // Labels start at the arrow's left end, so that each stays between its two lanes.
    let text_x = x1.min(x2) + 6;
    html! {
        <g class="arrow" data-style={a.style.name()}>
            <title>{ &a.title }</title>
            <text x={(AXIS - 8).to_string()} y={y.to_string()} class="time" text-anchor="end">
                { format!("+{}", display::millis(a.at_us)) }
            </text>
            <line x1={x1.to_string()} x2={(tip - dir * 8).to_string()} y1={y.to_string()} y2={y.to_string()} />
            <polygon points={head} />
            <text x={text_x.to_string()} y={(y - 6).to_string()} >
                { &a.label }
                if a.style == Style::NoResponders { { " ✕" } }
            </text>
        </g>
    }
}
