//! Canned outputs for the `command` app. Nothing received is ever executed: the tutorial's
//! server runs the text in a shell, which is a remote shell for anyone who connects.
//! These outputs have the sizes that matter for the lesson (ipconfig is larger than
//! `recv(1024)`, as in scenario 03).

/// The reply to a command: a canned output, or "command not found". Windows outputs
/// use `\r\n`, as `subprocess` returns them there.
pub fn reply(cmd: &str) -> Vec<u8> {
    let cmd = cmd.trim();
    let norm: String = cmd.split_whitespace().collect::<Vec<_>>().join(" ");
    let windows = |s: &str| s.replace('\n', "\r\n").into_bytes();
    match norm.to_ascii_lowercase().as_str() {
        "dir" => windows(DIR),
        "ipconfig" => windows(IPCONFIG),
        "ipconfig /all" => windows(&format!("{IPCONFIG}{IPCONFIG_ALL_EXTRA}")),
        "tasklist" => windows(&tasklist()),
        "whoami" => windows("desktop-7q2k9lm\\aaron\n"),
        "hostname" => windows("DESKTOP-7Q2K9LM\n"),
        "ver" => windows("\nMicrosoft Windows [Version 10.0.19045.4291]\n"),
        "ls" => LS.as_bytes().to_vec(),
        "ls -l" | "ls -la" | "ls -al" => LS_L.as_bytes().to_vec(),
        "pwd" => b"/home/aaron/socket-demo\n".to_vec(),
        "uname -a" => {
            b"Linux lab-pc 6.18.0-1-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.18.3-1 x86_64 GNU/Linux\n"
                .to_vec()
        }
        "date" => b"Mon Mar  9 10:24:31 CST 2026\n".to_vec(),
        "help" => HELP.as_bytes().to_vec(),
        _ => not_found(cmd),
    }
}

/// `xyz: command not found`, with the command shown safely (printable ASCII, at most
/// 60 characters).
fn not_found(cmd: &str) -> Vec<u8> {
    let mut shown: String = cmd
        .chars()
        .take(60)
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect();
    if cmd.chars().count() > 60 {
        shown.push_str("...");
    }
    if shown.is_empty() {
        shown = "(empty)".into();
    }
    format!("{shown}: command not found (this server answers canned outputs for: {KNOWN})\n")
        .into_bytes()
}

const KNOWN: &str = "dir, ipconfig, ipconfig /all, tasklist, whoami, hostname, ver, ls, ls -l, pwd, uname -a, date, help";

const HELP: &str = "stickysim serve --app command: nothing is executed.\n\
Known commands: dir, ipconfig, ipconfig /all, tasklist, whoami, hostname, ver, ls, ls -l,\n\
pwd, uname -a, date, help. Anything else gets \"command not found\".\n";

const DIR: &str = " Volume in drive C has no label.
 Volume Serial Number is 5A3C-9E12

 Directory of C:\\Users\\Aaron\\Desktop\\socket

2026/03/09  10:21    <DIR>          .
2026/03/09  10:21    <DIR>          ..
2026/03/02  15:40               512 client.py
2026/03/02  15:38               731 server.py
2026/03/05  09:12               988 ftp_client.py
2026/03/05  09:15             1,204 ftp_server.py
2026/03/07  20:03                64 config
               5 File(s)          3,499 bytes
               2 Dir(s)  81,337,462,784 bytes free
";

const IPCONFIG: &str = "
Windows IP Configuration


Ethernet adapter Ethernet:

   Connection-specific DNS Suffix  . : lan
   Link-local IPv6 Address . . . . . : fe80::8d4c:1f2a:93b0:6e11%12
   IPv4 Address. . . . . . . . . . . : 192.168.1.23
   Subnet Mask . . . . . . . . . . . : 255.255.255.0
   Default Gateway . . . . . . . . . : 192.168.1.1

Wireless LAN adapter Local Area Connection* 1:

   Media State . . . . . . . . . . . : Media disconnected
   Connection-specific DNS Suffix  . :

Wireless LAN adapter Local Area Connection* 2:

   Media State . . . . . . . . . . . : Media disconnected
   Connection-specific DNS Suffix  . :

Wireless LAN adapter WLAN:

   Connection-specific DNS Suffix  . : lan
   IPv6 Address. . . . . . . . . . . : 2408:8207:1851:c5a0:4d2e:9a11:62f0:8b17
   Temporary IPv6 Address. . . . . . : 2408:8207:1851:c5a0:b1c3:5e7d:2a90:14c6
   Link-local IPv6 Address . . . . . : fe80::4d2e:9a11:62f0:8b17%7
   IPv4 Address. . . . . . . . . . . : 192.168.1.105
   Subnet Mask . . . . . . . . . . . : 255.255.255.0
   Default Gateway . . . . . . . . . : fe80::1%7
                                       192.168.1.1

Ethernet adapter VMware Network Adapter VMnet1:

   Connection-specific DNS Suffix  . :
   Link-local IPv6 Address . . . . . : fe80::a0b5:33c2:7e14:d90f%19
   IPv4 Address. . . . . . . . . . . : 192.168.137.1
   Subnet Mask . . . . . . . . . . . : 255.255.255.0
   Default Gateway . . . . . . . . . :

Ethernet adapter VMware Network Adapter VMnet8:

   Connection-specific DNS Suffix  . :
   Link-local IPv6 Address . . . . . : fe80::6c1e:b204:51a7:3f2d%20
   IPv4 Address. . . . . . . . . . . : 192.168.80.1
   Subnet Mask . . . . . . . . . . . : 255.255.255.0
   Default Gateway . . . . . . . . . :

Ethernet adapter Bluetooth Network Connection:

   Media State . . . . . . . . . . . : Media disconnected
   Connection-specific DNS Suffix  . :
";

const IPCONFIG_ALL_EXTRA: &str = "
   Host Name . . . . . . . . . . . . : DESKTOP-7Q2K9LM
   Primary Dns Suffix  . . . . . . . :
   Node Type . . . . . . . . . . . . : Hybrid
   IP Routing Enabled. . . . . . . . : No
   WINS Proxy Enabled. . . . . . . . : No
   DNS Suffix Search List. . . . . . : lan

   Physical Address. . . . . . . . . : 3C-7C-3F-1A-92-E4
   DHCP Enabled. . . . . . . . . . . : Yes
   Autoconfiguration Enabled . . . . : Yes
   Lease Obtained. . . . . . . . . . : Monday, March 9, 2026 8:02:11 AM
   Lease Expires . . . . . . . . . . : Tuesday, March 10, 2026 8:02:11 AM
   DHCPv6 IAID . . . . . . . . . . . : 104627263
   DHCPv6 Client DUID. . . . . . . . : 00-01-00-01-2B-8E-41-07-3C-7C-3F-1A-92-E4
   DNS Servers . . . . . . . . . . . : 192.168.1.1
                                       fe80::1%7
   NetBIOS over Tcpip. . . . . . . . : Enabled
";

fn tasklist() -> String {
    let mut s = String::from(
        "\nImage Name                     PID Session Name        Session#    Mem Usage\n\
         ========================= ======== ================ =========== ============\n",
    );
    let rows = [
        ("System Idle Process", 0, "Services", 0, 8),
        ("System", 4, "Services", 0, 2_456),
        ("Registry", 148, "Services", 0, 71_204),
        ("smss.exe", 520, "Services", 0, 1_092),
        ("csrss.exe", 736, "Services", 0, 5_368),
        ("wininit.exe", 844, "Services", 0, 6_720),
        ("services.exe", 916, "Services", 0, 10_448),
        ("lsass.exe", 936, "Services", 0, 21_776),
        ("svchost.exe", 1052, "Services", 0, 31_204),
        ("fontdrvhost.exe", 1076, "Services", 0, 3_212),
        ("svchost.exe", 1180, "Services", 0, 16_840),
        ("svchost.exe", 1232, "Services", 0, 8_196),
        ("dwm.exe", 1428, "Console", 1, 98_312),
        ("explorer.exe", 5012, "Console", 1, 142_508),
        ("SearchHost.exe", 6204, "Console", 1, 221_944),
        ("python.exe", 7740, "Console", 1, 11_384),
        ("cmd.exe", 7812, "Console", 1, 4_612),
        ("conhost.exe", 7820, "Console", 1, 18_224),
        ("pycharm64.exe", 8120, "Console", 1, 1_204_776),
        ("chrome.exe", 9004, "Console", 1, 305_120),
        ("chrome.exe", 9132, "Console", 1, 48_996),
        ("chrome.exe", 9208, "Console", 1, 126_404),
        ("WeChat.exe", 10244, "Console", 1, 187_032),
        ("tasklist.exe", 11876, "Console", 1, 9_240),
    ];
    for _ in 0..3 {
        for (name, pid, session, n, mem) in rows {
            s.push_str(&format!(
                "{name:<25} {pid:>8} {session:<16} {n:>11} {:>10} K\n",
                group(mem)
            ));
        }
    }
    s
}

/// `1204776` → `1,204,776`
fn group(n: u64) -> String {
    let d = n.to_string();
    let mut out = String::new();
    for (i, c) in d.chars().enumerate() {
        if i > 0 && (d.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

const LS: &str = "client.py  config  ftp_client.py  ftp_server.py  notes.md  server.py  udp_client.py  udp_server.py\n";

const LS_L: &str = "total 48
-rw-r--r-- 1 aaron aaron  512 Mar  2 15:40 client.py
-rw-r--r-- 1 aaron aaron   64 Mar  7 20:03 config
-rw-r--r-- 1 aaron aaron  988 Mar  5 09:12 ftp_client.py
-rw-r--r-- 1 aaron aaron 1204 Mar  5 09:15 ftp_server.py
drwxr-xr-x 2 aaron aaron 4096 Mar  8 11:30 logs
-rw-r--r-- 1 aaron aaron 2310 Mar  8 11:42 notes.md
-rw-r--r-- 1 aaron aaron  731 Mar  2 15:38 server.py
-rw-r--r-- 1 aaron aaron  655 Mar  6 16:01 struct_demo.py
-rw-r--r-- 1 aaron aaron  402 Mar  6 16:20 time_client.py
-rw-r--r-- 1 aaron aaron  517 Mar  6 16:19 time_server.py
-rw-r--r-- 1 aaron aaron  388 Mar  4 10:05 udp_client.py
-rw-r--r-- 1 aaron aaron  421 Mar  4 10:03 udp_server.py
-rwxr-xr-x 1 aaron aaron 1930 Mar  9 10:11 upload.sh
-rw-r--r-- 1 aaron aaron  806 Mar  9 10:18 chat_client.py
-rw-r--r-- 1 aaron aaron  774 Mar  9 10:17 chat_server.py
-rw-r--r-- 1 aaron aaron 3120 Mar  9 10:20 remote_cmd_server.py
-rw-r--r-- 1 aaron aaron 1402 Mar  9 10:21 remote_cmd_client.py
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_that_matter_for_the_lesson() {
        assert!(
            reply("ipconfig").len() > 1024,
            "ipconfig must not fit in recv(1024)"
        );
        assert!(reply("dir").len() < 1024);
        assert!(reply("ipconfig /all").len() > reply("ipconfig").len());
        assert!(reply("tasklist").len() > 4096);
        // ASCII only: the tutorial's client decodes with 'gbk'.
        assert!(reply("ipconfig /all").is_ascii());
        assert!(reply("  IPCONFIG  ").starts_with(b"\r\nWindows IP"));
        assert!(reply("rm -rf /").ends_with(b"\n"));
        assert!(
            String::from_utf8(reply("rm -rf /"))
                .unwrap()
                .starts_with("rm -rf /: command not found")
        );
        let weird = reply("\u{1b}[2J\u{7}");
        assert!(
            weird
                .iter()
                .all(|&b| b == b'\n' || (0x20..0x7f).contains(&b))
        );
    }
}
