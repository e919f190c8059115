//! The line and fixed framing scenarios (18, 19) agree with the kernel: the same recv()
//! byte counts and stalls on real loopback as in the model (`stickysim calibrate`).

use stickysim::calibrate;
use stickysim::scenario;

#[test]
fn line_and_fixed_scenarios_agree_with_the_kernel() {
    let cases = vec![
        scenario::find_builtin("18").expect("built-in 18"),
        scenario::find_builtin("19").expect("built-in 19"),
    ];
    let reports = calibrate::calibrate(&cases, 3, |_| {}).expect("calibrate runs");
    assert_eq!(reports.len(), 2);
    for r in &reports {
        assert!(
            r.agree,
            "{} should agree:\n{}",
            r.name,
            calibrate::render_text(std::slice::from_ref(r))
        );
    }
    // 18: three lines in one read, then the long line as 16 + 11 bytes after a wait.
    assert_eq!(reports[0].model.server.compact(), "22 16* 11 EOF*");
    // 19: a whole record, the 11-byte short read after a wait, the padding, EOF.
    assert_eq!(reports[1].model.server.compact(), "128 11* 117 EOF");
    assert_eq!(reports[1].real.result.server.compact(), "128 11* 117 EOF");
}
