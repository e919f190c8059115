//! UI text in English and 中文. Scenario narration comes from the scenario files.

pub use crate::scenario::Lang;

/// A phrase in English and Chinese: the CLI's type, so the two cannot drift apart.
pub use crate::timeline::Words as T;

pub const CLIENT: T = T("CLIENT", "客户端");
pub const SERVER: T = T("SERVER", "服务端");
pub const WIRE: T = T("WIRE", "线路");
pub const APP: T = T("app", "应用程序");
pub const SEND_BUF: T = T("send buffer", "发送缓冲区");
pub const RECV_BUF: T = T("recv buffer", "接收缓冲区");
pub const WHAT_RECV_RETURNED: T = T("What recv() returned", "recv() 每次返回了什么");
pub const DECODED: T = T("decoded", "解码后");
pub const RECEIVED_BY: T = T("received by", "接收方");
pub const NARRATION: T = T("Narration", "讲解");
pub const EVENTS: T = T("Events", "事件");
pub const INSPECTOR: T = T("Inspector", "检查器");
pub const METRICS: T = T("Metrics", "指标");
pub const PARAMETERS: T = T("Parameters", "参数");
pub const MAIN_VIEW: T = T("Step through", "单步演示");
pub const COMPARE: T = T("Compare", "对比");
pub const FRAMING: T = T("Framing", "分帧");
pub const NAGLE: T = T("Nagle", "Nagle 算法");
pub const DELAYED_ACK: T = T("delayed ACK", "延迟确认");
pub const HEADER_WRITES: T = T("header writes", "报头写法");
pub const DECODER: T = T("decoder", "解码器");
pub const MSS: T = T("MSS", "MSS");
pub const RECV_SIZE: T = T("recv size", "recv 大小");
pub const RECV_DELAY: T = T("receiver delay (ms)", "接收方延迟 (ms)");
pub const SEED: T = T("seed", "随机种子");
pub const RESET_PARAMS: T = T("Reset to the scenario's values", "恢复场景的参数");
pub const PLAY: T = T("Play", "播放");
pub const PAUSE: T = T("Pause", "暂停");
pub const STEP: T = T("Step", "单步");
pub const STEP_BACK: T = T("Step back", "后退");
pub const RESET: T = T("Reset", "重置");
pub const TO_END: T = T("To the end", "到结尾");
pub const SPEED: T = T("speed", "速度");
pub const INSTANT: T = T("instant", "瞬间");
pub const TIME: T = T("time", "时间");
pub const THEME_DARK: T = T("Dark", "深色");
pub const THEME_LIGHT: T = T("Light", "浅色");
pub const ZOOM: T = T("zoom", "缩放");
pub const SCENARIO: T = T("Scenario", "场景");
pub const FILTER: T = T("filter", "筛选");
pub const ALL: T = T("all", "全部");
pub const APP_EVENTS: T = T("app", "应用");
pub const TCP_EVENTS: T = T("TCP", "TCP");
pub const NOTHING_YET: T = T("nothing yet", "尚无");
pub const SELECT_HINT: T = T(
    "Click a recv chip, a packet or an event to inspect its bytes.",
    "点击 recv 结果、线路上的报文或事件，查看其字节。",
);
pub const STICKY_SHORT: T = T("sticky", "粘包");
pub const INTACT: T = T("intact", "完整");
pub const CORRUPTED: T = T("wrong boundaries", "边界错位");
pub const EOF: T = T("EOF", "EOF（对方已关闭）");
pub const VERDICT: T = T("Verdict", "结论");
pub const HELD: T = T("held", "被扣留");
pub const BLOCKED_RECV: T = T("blocked in recv: waiting for data", "阻塞在 recv：等待数据");
pub const BLOCKED_SEND: T = T(
    "blocked in send: send buffer full",
    "阻塞在 send：发送缓冲区已满",
);
pub const SLEEPING: T = T("sleeping", "休眠中");
pub const DONE: T = T("finished", "已结束");
pub const RUNNING: T = T("running", "运行中");
pub const STUCK: T = T("blocked forever", "永远阻塞");
pub const COMPARE_FRAMINGS: T = T(
    "raw | length-prefix | json-header | …",
    "原始 | 长度前缀 | JSON 报头 | …",
);
pub const COMPARE_NAGLE: T = T("Nagle on | off", "Nagle 开 | 关");
pub const COMPARE_DECODERS: T = T("correct | tutorial decoder", "正确 | 教程的解码器");
pub const NOT_FOR_UDP: T = T(
    "Framing applies to TCP streams; UDP keeps datagrams whole.",
    "分帧只用于 TCP 字节流；UDP 保持数据报的边界。",
);
pub const MESSAGE: T = T("message", "消息");
pub const HEADER: T = T("header", "报头");
pub const LENGTH_FIELD: T = T("length", "长度");
pub const SIM: T = T("Simulated", "模拟");
pub const REAL: T = T("Real", "真实");
pub const BOTH: T = T("Both", "两者");
pub const REAL_LOOPBACK: T = T(
    "Real loopback (127.0.0.1): the kernel decides",
    "真实回环 (127.0.0.1)：由内核决定",
);
pub const STOP: T = T("Stop", "停止");
pub const START: T = T("Start", "启动");
pub const RUN_AGAIN: T = T("Run again", "再运行一次");
pub const LIVE_SERVER: T = T("Live server", "实时服务器");
pub const PORT: T = T("port", "端口");
pub const SERVER_HINT: T = T(
    "Point the tutorial's Python clients, nc or your own code at it. Nothing received is ever executed.",
    "用教程里的 Python 客户端、nc 或你自己的程序连接它。收到的内容绝不会被执行。",
);

/// The run's verdict in the UI's language.
pub fn verdict(report: &crate::analysis::Report, lang: Lang) -> String {
    // One implementation for the GUI and the CLI: `analysis::Report::verdict_in`.
    report.verdict_in(lang)
}

/// Why data waits in a send buffer, in the model's own terms.
pub fn held_reason(h: &crate::model::Held, lang: Lang) -> String {
    let since = crate::timeline::ms(h.since_us);
    match lang {
        Lang::En => format!(
            "held by Nagle since {since}: {} B wait while {} B are in flight unacknowledged; \
             they go when an ACK arrives or a full segment accumulates",
            h.waiting, h.in_flight
        ),
        Lang::Zh => format!(
            "自 {since} 起被 Nagle 算法扣留：{} 字节在等待，{} 字节已发出但尚未确认；\
             收到 ACK 或攒满一个完整报文段时才发出",
            h.waiting, h.in_flight
        ),
    }
}

pub const PACKET_ARRIVED: T = T("(the packet has arrived)", "（报文已到达）");
pub const PARTIAL_LENGTH: T = T(
    "only part of the 4-byte length is here",
    "这里只有 4 字节长度字段的一部分",
);
pub const BODY_LENGTH: T = T("body length", "正文长度");
pub const JSON_LENGTH: T = T("JSON header length", "JSON 报头长度");

pub const VIEW: T = T("View", "视图");
pub const WORLD: T = T("World: simulated, real or both", "模拟、真实或两者");
pub const MENU: T = T("More", "更多");
pub const MORE: T = T("More settings", "更多设置");
pub const ZOOM_IN: T = T("Zoom in", "放大");
pub const ZOOM_OUT: T = T("Zoom out", "缩小");
pub const PRESENT: T = T("Present", "演示模式");
pub const PRESENT_HINT: T = T(
    "For a projector: large zoom, high contrast, only the stage, the results, the narration and the controls",
    "用于投影：放大、高对比度，只显示舞台、结果、讲解和控制按钮",
);
pub const KEY_SPACE: T = T("Space", "空格键");
pub const ONE_MS_TAKES: T = T("1 ms = ", "1 毫秒 = ");
pub const SLOW_MOTION: T = T(
    "Slow motion: how long 1 ms of simulated time takes on screen",
    "慢动作：模拟时间的 1 毫秒在屏幕上持续多久",
);
pub const SKIP_IDLE: T = T("Skip idle stretches", "快进空闲时段");
pub const SKIP_IDLE_HINT: T = T(
    "While nothing is on the wire and nothing is held back or waiting for a timer, time runs faster; stalls still play at the chosen speed",
    "线路上没有数据、也没有数据被扣住或在等计时器时，时间走得更快；停顿仍按所选速度播放",
);
pub const DETAILS: T = T("Events & inspector", "事件与检查器");
pub const DETAILS_HINT: T = T(
    "Show or hide the event list and the inspector",
    "显示或隐藏事件列表和检查器",
);
pub const REVEAL: T = T("Reveal the verdict", "揭晓结论");
pub const REVEAL_HINT: T = T(
    "The verdict appears at the end of the run; predict first, or reveal it now",
    "结论在运行结束时出现；先让大家预测，或现在揭晓",
);
pub const VERDICT_AT_END: T = T("shown at the end of the run", "运行结束时显示");
pub const CRASHED: T = T("crashed", "已崩溃");
pub const UNSENT: T = T("unsent", "未发送");
pub const IN_FLIGHT: T = T("in flight", "在途");
pub const NAGLE_HOLD: T = T("Nagle hold", "Nagle 扣留");
pub const DELACK_TIMER: T = T("delayed-ACK timer", "延迟确认计时器");

// The sweep window (gui/sweep/).
pub const SWEEP: T = T("Sweep", "参数扫描");
pub const SWEEP_PARAM: T = T("sweep", "扫描参数");
pub const SWEEP_FROM: T = T("from", "从");
pub const SWEEP_TO: T = T("to", "到");
pub const SWEEP_STEP: T = T("step", "步长");
pub const SWEEP_ALLOWED: T = T("allowed:", "允许：");
pub const SWEEP_LINES: T = T("one line per", "每条曲线对应");
pub const SWEEP_NO_LINES: T = T("nothing (one line)", "无（一条曲线）");
pub const SWEEP_VALUES: T = T(
    "values, comma-separated (on,off)",
    "取值，用逗号分隔（on,off）",
);
pub const SWEEP_RUNS: T = T("runs per point", "每点运行次数");
pub const SWEEP_RUN: T = T("Run sweep", "开始扫描");
pub const SWEEP_CANCEL: T = T("Cancel", "取消");
pub const SWEEP_CANCELLED: T = T("Cancelled.", "已取消。");
pub const SWEEP_CLI: T = T("Command line:", "命令行：");
pub const SWEEP_NOTHING: T = T(
    "Pick a parameter and its range, then Run sweep.",
    "选择参数和范围，然后点击“开始扫描”。",
);
pub const SWEEP_HINT: T = T(
    "Each point runs the scenario with the main view's parameters and these values (several runs use seeds seed, seed+1, …) and plots the averages: the share of recv() calls that returned bytes of more than one message (sticky), and how long the run took.",
    "每个点用主视图的参数加上这些取值运行场景（多次运行时种子依次为 seed、seed+1……），并画出平均值：返回了多条消息字节的 recv() 调用所占的比例（粘包），以及运行用了多长时间。",
);
pub const SWEEP_STICKY: T = T("sticky reads", "粘包读取占比");
pub const SWEEP_DURATION: T = T("duration", "运行时长");
pub const SWEEP_POINTS: T = T("points", "个点");
pub const SWEEP_RUNS_EACH: T = T("run(s) each", "次运行/点");
pub const SWEEP_EXPORT_CSV: T = T("Export CSV", "导出 CSV");
pub const SWEEP_EXPORT_PNG: T = T("Export PNG", "导出 PNG");
pub const SWEEP_CSV_HINT: T = T(
    "File to write: the columns of `stickysim sweep --csv`",
    "要写入的文件：列与 stickysim sweep --csv 相同",
);
pub const SWEEP_PNG_HINT: T = T(
    "File to write: the two plots as a PNG image",
    "要写入的文件：两张图，PNG 图片",
);
pub const SWEEP_WRITTEN: T = T("written:", "已写入：");
pub const SWEEP_NO_BROWSER: T = T(
    "Saving files is not available in the browser.",
    "浏览器中无法保存文件。",
);
pub const SWEEP_OFF_SCREEN: T = T("The plots are not on the screen.", "图不在屏幕上。");

// The engineers' views and their pcapng export (gui/views.rs).
pub const SHOW_AS: T = T("Show as:", "显示为：");
pub const VIEW_STAGE: T = T("Stage", "舞台");
pub const VIEW_LADDER: T = T("Ladder", "时序图 (Ladder)");
pub const VIEW_GRAPH: T = T("Time–sequence", "时间–序号图");
pub const VIEW_STREAM: T = T("Follow stream", "追踪流");
pub const REAL_NOT_STARTED: T = T("The real run has not started.", "真实运行尚未开始。");
pub const PCAP_FILE_HINT: T = T(
    "File to write (.pcapng with the model's comments, or .pcap)",
    "要写入的文件（.pcapng 带模型注释，或 .pcap）",
);
pub const PCAP_EXPORT: T = T("Export pcapng", "导出 pcapng");
pub const PCAP_EXPORT_HINT: T = T(
    "Open it in Wireshark; load wireshark/stickysim.lua to decode the frames",
    "用 Wireshark 打开；加载 wireshark/stickysim.lua 以解码帧",
);
pub const ON: T = T("on", "开");
pub const OFF: T = T("off", "关");
pub const BYTES: T = T("bytes", "字节");

/// A choice of a parameter (`raw`, `length-prefix`, `linux`…) as the UI shows it.
pub fn choice(name: &str, lang: Lang) -> &str {
    if lang == Lang::En {
        return name;
    }
    CHOICES
        .iter()
        .find(|(en, _)| *en == name)
        .map_or(name, |(_, zh)| zh)
}

/// The 中文 names of the parameters' choices.
pub const CHOICES: &[(&str, &str)] = &[
    ("raw", "原始"),
    ("length-prefix", "长度前缀"),
    ("json-header", "JSON 报头"),
    ("line", "分隔符"),
    ("fixed", "定长"),
    ("\\n", "\\n 换行"),
    ("\\r\\n", "\\r\\n 回车换行"),
    ("\\x00", "\\x00 空字节"),
    ("linux", "Linux"),
    ("windows", "Windows"),
    ("lan", "局域网"),
    ("loopback", "回环"),
    ("tcp", "TCP"),
    ("udp", "UDP"),
    ("combined", "合并写"),
    ("separate", "分开写"),
    ("correct", "正确"),
    ("tutorial", "教程版"),
    ("little", "小端"),
    ("big", "大端"),
    ("command", "命令式报头"),
    ("upload", "上传式报头"),
];

pub const METRIC: T = T("metric", "指标");
pub const TOTAL: T = T("total", "合计");
pub const C2S: T = T("client → server", "客户端 → 服务端");
pub const S2C: T = T("server → client", "服务端 → 客户端");
pub const NOT_MEASURED: T = T(
    "A real run cannot measure this: segments, ACKs and Nagle holds happen inside the kernel, out of the program's sight",
    "真实运行无法测量这一项：报文段、ACK 和 Nagle 扣留发生在内核里，程序看不到",
);
pub const THIS_RUN: T = T("This run:", "这次运行：");
pub const WRITTEN_FOR_DEFAULTS: T = T(
    "The scenario's notes below were written for its default settings; this run uses others.",
    "下面的场景讲解是按默认设置写的；这次运行用了其他设置。",
);
pub const REAL_PREFIX: T = T("real  ", "真实  ");

/// `client → server` in the UI's language.
pub fn dir_name(d: crate::trace::Dir, lang: Lang) -> &'static str {
    match d {
        crate::trace::Dir::ClientToServer => C2S.get(lang),
        crate::trace::Dir::ServerToClient => S2C.get(lang),
    }
}
pub const READ_AT: T = T("read at", "读取于");
pub const WAITED: T = T("waited", "等待了");
pub const BIND: T = T("listen on", "监听地址");
pub const BIND_LOOPBACK: T = T("this computer only (127.0.0.1)", "仅本机 (127.0.0.1)");
pub const BIND_ALL: T = T("every network (0.0.0.0)", "所有网络 (0.0.0.0)");
pub const BIND_WARNING: T = T(
    "Anyone on your network can connect: use it in a classroom you trust, and stop it after the lesson.",
    "网络上的任何人都能连接：只在可信的教室网络中使用，课后请停止。",
);
pub const LISTENING_ON: T = T("listening on", "正在监听");
pub const HOLDS_TIMERS: T = T("holds · timers", "扣留 · 计时器");
pub const TIME_AXIS: T = T("time axis: the run ends at", "时间轴：运行结束于");
pub const TIME_AXIS_HINT: T = T(
    "The run on one time line, shared by the columns: segments each way, Nagle holds (orange) and delayed-ACK timers (blue), and each recv() result (orange = sticky)",
    "整个运行在同一条时间轴上（各列共用）：两个方向的报文段、Nagle 扣留（橙色）和延迟确认计时器（蓝色），以及每次 recv() 的结果（橙色 = 粘包）",
);
pub const IDENTICAL: T = T("These columns are identical:", "这几列完全相同：");
pub const IDENTICAL_RAW_DECODER: T = T(
    "with raw framing there is no decoder, so the correct and the tutorial decoder read the same bytes. Pick length-prefix, json-header, line or fixed to see them differ.",
    "原始分帧没有解码器，所以正确的和教程版的解码器读到的字节一样。选择长度前缀、JSON 报头、分隔符或定长才能看到差别。",
);
pub const IDENTICAL_NAGLE: T = T(
    "Nagle never holds anything in this run (no small segment waits behind unacknowledged data), so switching it off changes nothing.",
    "这次运行中 Nagle 从未扣留数据（没有小报文段在等待未确认的数据），所以关掉它什么也不变。",
);
pub const IDENTICAL_OTHER: T = T(
    "what the columns vary does not change what recv() returns in this scenario.",
    "在这个场景中，各列改变的设置不影响 recv() 的返回结果。",
);
pub const EXPECTED_RECEIVED: T = T("expected", "应为");
pub const RECEIVED: T = T("received", "收到");
pub const NEVER_WRITTEN: T = T("never written", "从未写入");
pub const ELSEWHERE: T = T(
    "not in this delivery (wrong boundaries)",
    "不在这次交付里（边界错位）",
);
pub const NAGLE_ON: T = T("Nagle on", "Nagle 开");
pub const NAGLE_OFF: T = T("Nagle off", "Nagle 关");
pub const CORRECT_DECODER: T = T("correct decoder", "正确的解码器");
pub const TUTORIAL_DECODER: T = T("tutorial decoder", "教程版解码器");
pub const EARLIER: T = T("earlier", "条更早的");
pub const MORE_BYTES: T = T("more bytes", "字节未显示");
pub const LITTLE_ENDIAN: T = T(
    "little-endian i32: struct.pack('i', n) on x86/ARM (native order)",
    "小端 i32：x86/ARM 上的 struct.pack('i', n)（本机字节序）",
);
pub const BIG_ENDIAN: T = T(
    "big-endian u32, struct.pack('!I', n)",
    "大端 u32，struct.pack('!I', n)",
);
pub const FRAME: T = T("frame", "帧");
pub const COMPARE_STACKS: T = T("Linux | Windows", "Linux | Windows 协议栈");

/// Every UI string above, for the test that each has its translation.
pub const STRINGS: &[(&str, &T)] = &[
    ("COMPARE_STACKS", &COMPARE_STACKS),
    ("EARLIER", &EARLIER),
    ("MORE_BYTES", &MORE_BYTES),
    ("LITTLE_ENDIAN", &LITTLE_ENDIAN),
    ("BIG_ENDIAN", &BIG_ENDIAN),
    ("FRAME", &FRAME),
    ("NAGLE_ON", &NAGLE_ON),
    ("NAGLE_OFF", &NAGLE_OFF),
    ("CORRECT_DECODER", &CORRECT_DECODER),
    ("TUTORIAL_DECODER", &TUTORIAL_DECODER),
    ("HOLDS_TIMERS", &HOLDS_TIMERS),
    ("TIME_AXIS", &TIME_AXIS),
    ("TIME_AXIS_HINT", &TIME_AXIS_HINT),
    ("IDENTICAL", &IDENTICAL),
    ("IDENTICAL_RAW_DECODER", &IDENTICAL_RAW_DECODER),
    ("IDENTICAL_NAGLE", &IDENTICAL_NAGLE),
    ("IDENTICAL_OTHER", &IDENTICAL_OTHER),
    ("EXPECTED_RECEIVED", &EXPECTED_RECEIVED),
    ("RECEIVED", &RECEIVED),
    ("NEVER_WRITTEN", &NEVER_WRITTEN),
    ("ELSEWHERE", &ELSEWHERE),
    ("READ_AT", &READ_AT),
    ("WAITED", &WAITED),
    ("BIND", &BIND),
    ("BIND_LOOPBACK", &BIND_LOOPBACK),
    ("BIND_ALL", &BIND_ALL),
    ("BIND_WARNING", &BIND_WARNING),
    ("LISTENING_ON", &LISTENING_ON),
    ("CLIENT", &CLIENT),
    ("SERVER", &SERVER),
    ("WIRE", &WIRE),
    ("APP", &APP),
    ("SEND_BUF", &SEND_BUF),
    ("RECV_BUF", &RECV_BUF),
    ("WHAT_RECV_RETURNED", &WHAT_RECV_RETURNED),
    ("DECODED", &DECODED),
    ("RECEIVED_BY", &RECEIVED_BY),
    ("NARRATION", &NARRATION),
    ("EVENTS", &EVENTS),
    ("INSPECTOR", &INSPECTOR),
    ("METRICS", &METRICS),
    ("PARAMETERS", &PARAMETERS),
    ("MAIN_VIEW", &MAIN_VIEW),
    ("COMPARE", &COMPARE),
    ("FRAMING", &FRAMING),
    ("NAGLE", &NAGLE),
    ("DELAYED_ACK", &DELAYED_ACK),
    ("HEADER_WRITES", &HEADER_WRITES),
    ("DECODER", &DECODER),
    ("MSS", &MSS),
    ("RECV_SIZE", &RECV_SIZE),
    ("RECV_DELAY", &RECV_DELAY),
    ("SEED", &SEED),
    ("RESET_PARAMS", &RESET_PARAMS),
    ("PLAY", &PLAY),
    ("PAUSE", &PAUSE),
    ("STEP", &STEP),
    ("STEP_BACK", &STEP_BACK),
    ("RESET", &RESET),
    ("TO_END", &TO_END),
    ("SPEED", &SPEED),
    ("INSTANT", &INSTANT),
    ("TIME", &TIME),
    ("THEME_DARK", &THEME_DARK),
    ("THEME_LIGHT", &THEME_LIGHT),
    ("ZOOM", &ZOOM),
    ("SCENARIO", &SCENARIO),
    ("FILTER", &FILTER),
    ("ALL", &ALL),
    ("APP_EVENTS", &APP_EVENTS),
    ("TCP_EVENTS", &TCP_EVENTS),
    ("NOTHING_YET", &NOTHING_YET),
    ("SELECT_HINT", &SELECT_HINT),
    ("STICKY_SHORT", &STICKY_SHORT),
    ("INTACT", &INTACT),
    ("CORRUPTED", &CORRUPTED),
    ("EOF", &EOF),
    ("VERDICT", &VERDICT),
    ("HELD", &HELD),
    ("BLOCKED_RECV", &BLOCKED_RECV),
    ("BLOCKED_SEND", &BLOCKED_SEND),
    ("SLEEPING", &SLEEPING),
    ("DONE", &DONE),
    ("RUNNING", &RUNNING),
    ("STUCK", &STUCK),
    ("COMPARE_FRAMINGS", &COMPARE_FRAMINGS),
    ("COMPARE_NAGLE", &COMPARE_NAGLE),
    ("COMPARE_DECODERS", &COMPARE_DECODERS),
    ("NOT_FOR_UDP", &NOT_FOR_UDP),
    ("MESSAGE", &MESSAGE),
    ("HEADER", &HEADER),
    ("LENGTH_FIELD", &LENGTH_FIELD),
    ("SIM", &SIM),
    ("REAL", &REAL),
    ("BOTH", &BOTH),
    ("REAL_LOOPBACK", &REAL_LOOPBACK),
    ("STOP", &STOP),
    ("START", &START),
    ("RUN_AGAIN", &RUN_AGAIN),
    ("LIVE_SERVER", &LIVE_SERVER),
    ("PORT", &PORT),
    ("SERVER_HINT", &SERVER_HINT),
    ("PACKET_ARRIVED", &PACKET_ARRIVED),
    ("PARTIAL_LENGTH", &PARTIAL_LENGTH),
    ("BODY_LENGTH", &BODY_LENGTH),
    ("JSON_LENGTH", &JSON_LENGTH),
    ("VIEW", &VIEW),
    ("WORLD", &WORLD),
    ("MENU", &MENU),
    ("MORE", &MORE),
    ("ZOOM_IN", &ZOOM_IN),
    ("ZOOM_OUT", &ZOOM_OUT),
    ("PRESENT", &PRESENT),
    ("PRESENT_HINT", &PRESENT_HINT),
    ("KEY_SPACE", &KEY_SPACE),
    ("ONE_MS_TAKES", &ONE_MS_TAKES),
    ("SLOW_MOTION", &SLOW_MOTION),
    ("SKIP_IDLE", &SKIP_IDLE),
    ("SKIP_IDLE_HINT", &SKIP_IDLE_HINT),
    ("DETAILS", &DETAILS),
    ("DETAILS_HINT", &DETAILS_HINT),
    ("REVEAL", &REVEAL),
    ("REVEAL_HINT", &REVEAL_HINT),
    ("SWEEP", &SWEEP),
    ("SWEEP_PARAM", &SWEEP_PARAM),
    ("SWEEP_FROM", &SWEEP_FROM),
    ("SWEEP_TO", &SWEEP_TO),
    ("SWEEP_STEP", &SWEEP_STEP),
    ("SWEEP_ALLOWED", &SWEEP_ALLOWED),
    ("SWEEP_LINES", &SWEEP_LINES),
    ("SWEEP_NO_LINES", &SWEEP_NO_LINES),
    ("SWEEP_VALUES", &SWEEP_VALUES),
    ("SWEEP_RUNS", &SWEEP_RUNS),
    ("SWEEP_RUN", &SWEEP_RUN),
    ("SWEEP_CANCEL", &SWEEP_CANCEL),
    ("SWEEP_CANCELLED", &SWEEP_CANCELLED),
    ("SWEEP_CLI", &SWEEP_CLI),
    ("SWEEP_NOTHING", &SWEEP_NOTHING),
    ("SWEEP_HINT", &SWEEP_HINT),
    ("SWEEP_STICKY", &SWEEP_STICKY),
    ("SWEEP_DURATION", &SWEEP_DURATION),
    ("SWEEP_POINTS", &SWEEP_POINTS),
    ("SWEEP_RUNS_EACH", &SWEEP_RUNS_EACH),
    ("SWEEP_EXPORT_CSV", &SWEEP_EXPORT_CSV),
    ("SWEEP_EXPORT_PNG", &SWEEP_EXPORT_PNG),
    ("SWEEP_CSV_HINT", &SWEEP_CSV_HINT),
    ("SWEEP_PNG_HINT", &SWEEP_PNG_HINT),
    ("SWEEP_WRITTEN", &SWEEP_WRITTEN),
    ("SWEEP_NO_BROWSER", &SWEEP_NO_BROWSER),
    ("SWEEP_OFF_SCREEN", &SWEEP_OFF_SCREEN),
    ("SHOW_AS", &SHOW_AS),
    ("VIEW_STAGE", &VIEW_STAGE),
    ("VIEW_LADDER", &VIEW_LADDER),
    ("VIEW_GRAPH", &VIEW_GRAPH),
    ("VIEW_STREAM", &VIEW_STREAM),
    ("REAL_NOT_STARTED", &REAL_NOT_STARTED),
    ("PCAP_FILE_HINT", &PCAP_FILE_HINT),
    ("PCAP_EXPORT", &PCAP_EXPORT),
    ("PCAP_EXPORT_HINT", &PCAP_EXPORT_HINT),
    ("ON", &ON),
    ("OFF", &OFF),
    ("BYTES", &BYTES),
    ("VERDICT_AT_END", &VERDICT_AT_END),
    ("CRASHED", &CRASHED),
    ("UNSENT", &UNSENT),
    ("IN_FLIGHT", &IN_FLIGHT),
    ("NAGLE_HOLD", &NAGLE_HOLD),
    ("DELACK_TIMER", &DELACK_TIMER),
    ("METRIC", &METRIC),
    ("TOTAL", &TOTAL),
    ("C2S", &C2S),
    ("S2C", &S2C),
    ("NOT_MEASURED", &NOT_MEASURED),
    ("THIS_RUN", &THIS_RUN),
    ("WRITTEN_FOR_DEFAULTS", &WRITTEN_FOR_DEFAULTS),
    ("REAL_PREFIX", &REAL_PREFIX),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn has_cjk(s: &str) -> bool {
        s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    /// Strings that read the same in both languages (names, units, protocol words).
    const SAME: &[&str] = &["MSS", "TCP", "1 ms = "];

    #[test]
    fn every_ui_string_has_its_chinese() {
        // Every `T` declared in this file is in the table.
        let declared = include_str!("i18n.rs")
            .matches(concat!(": T ", "= T("))
            .count();
        assert_eq!(STRINGS.len(), declared, "a string is missing from STRINGS");
        for (name, t) in STRINGS {
            assert!(!t.1.trim().is_empty(), "{name}: no 中文");
            if !SAME.contains(&t.0) {
                assert!(has_cjk(t.1), "{name}: {:?} is not translated", t.1);
            }
        }
    }

    #[test]
    fn every_choice_of_every_parameter_has_its_chinese() {
        use crate::params::table::{Kind, PARAMS};
        // Names the same in both languages.
        let same = ["tcp", "udp", "linux", "windows"];
        for p in PARAMS {
            if let Kind::Choice(names) = p.kind {
                for n in names {
                    let zh = choice(n, Lang::Zh);
                    assert!(
                        same.contains(n) || has_cjk(zh) || zh.contains("JSON"),
                        "{}: choice {n} has no 中文",
                        p.key
                    );
                }
            }
        }
    }

    #[test]
    fn every_metric_has_its_chinese() {
        for f in crate::analysis::Metrics::fields() {
            assert!(has_cjk(f.zh), "metric {}: {:?}", f.name, f.zh);
        }
    }
}
