//! UI text in English and 中文. Scenario narration comes from the scenario files.

pub use crate::scenario::Lang;

/// A UI string in both languages.
pub struct T(pub &'static str, pub &'static str);

impl T {
    pub fn get(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.0,
            Lang::Zh => self.1,
        }
    }
}

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
    "raw | length-prefix | json-header",
    "原始 | 长度前缀 | JSON 报头",
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
    match lang {
        Lang::En => report.verdict(),
        Lang::Zh => report.verdict_zh(),
    }
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
