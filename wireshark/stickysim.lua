-- stickysim.lua: a Wireshark dissector for stickysim's (and the socket tutorial's) framings.
--
--   length-prefix  4-byte length, then the body            (struct.pack('i', n) + body)
--   json-header    4-byte header length, a JSON header with the body size
--                  (total_size or filesize), then the body     (the tutorial's 方案二)
--   line           the body, then a delimiter (\n, \r\n or \x00)   (makefile().readline())
--   fixed          every message record_size bytes, the body padded with NUL bytes
--
-- Load it once:   wireshark -X lua_script:stickysim.lua capture.pcapng
--                 tshark    -X lua_script:stickysim.lua -r capture.pcapng
-- or copy it into your personal Lua plugins folder (Help → About → Folders).
-- Preferences (Edit → Preferences → Protocols → STICKYSIM, or tshark -o stickysim.NAME:VALUE):
--   port (8080, the tutorial's), framing (auto | length-prefix | json-header | line |
--   fixed), big_endian (struct.pack('!I', n) instead of 'i'), max_frame, max_header,
--   delimiter (line), record_size (fixed). Auto never guesses line or fixed.
--
-- A frame that spans several TCP segments is reassembled (the segments before the last
-- show as "TCP segment of a reassembled PDU"), and one segment that holds several frames
-- shows them all: exactly the 粘包 / 拆包 lesson, seen in a real tool.
-- Bytes that do not start a plausible frame (a negative or huge length, as the first 4
-- bytes of text always give) are shown as raw data: the raw half of the tutorial's
-- command programs, whose requests are not framed.

local p = Proto("stickysim", "stickysim framing")

local FRAMING_AUTO, FRAMING_LP, FRAMING_JSON, FRAMING_LINE, FRAMING_FIXED = 0, 1, 2, 3, 4
local DELIMITERS = { [0] = "\n", [1] = "\r\n", [2] = "\0" }
local DELIMITER_NAMES = { [0] = "\\n", [1] = "\\r\\n", [2] = "\\x00" }
p.prefs.port = Pref.uint("TCP/UDP port", 8080, "The server's port (the tutorial uses 8080)")
p.prefs.framing = Pref.enum("Framing", FRAMING_AUTO,
    "auto: a JSON header when the byte after the length is '{'",
    { { 1, "auto", FRAMING_AUTO }, { 2, "length-prefix", FRAMING_LP },
      { 3, "json-header", FRAMING_JSON }, { 4, "line", FRAMING_LINE },
      { 5, "fixed", FRAMING_FIXED } }, false)
p.prefs.delimiter = Pref.enum("Line delimiter", 0, "What ends a message in line framing",
    { { 1, "\\n", 0 }, { 2, "\\r\\n", 1 }, { 3, "\\x00", 2 } }, false)
p.prefs.record_size = Pref.uint("Record size", 32, "Bytes per message in fixed framing")
p.prefs.big_endian = Pref.bool("Big-endian lengths", false,
    "struct.pack('!I', n) (unsigned, network order) instead of struct.pack('i', n)")
p.prefs.max_frame = Pref.uint("Largest body", 8 * 1024 * 1024, "Longer bodies are not frames")
p.prefs.max_header = Pref.uint("Largest JSON header", 64 * 1024, "Longer headers are not frames")

local f = {
    framing = ProtoField.string("stickysim.framing", "Framing"),
    length = ProtoField.int32("stickysim.length", "Length prefix", base.DEC),
    json_len = ProtoField.int32("stickysim.json_len", "JSON header length", base.DEC),
    json = ProtoField.string("stickysim.json", "JSON header"),
    size = ProtoField.uint32("stickysim.size", "Body size (from the header)", base.DEC),
    file_name = ProtoField.string("stickysim.file_name", "File name"),
    md5 = ProtoField.string("stickysim.md5", "md5"),
    body_len = ProtoField.uint32("stickysim.body_len", "Body length", base.DEC),
    body = ProtoField.bytes("stickysim.body", "Body"),
    delimiter = ProtoField.string("stickysim.delimiter", "Delimiter"),
    padding = ProtoField.uint32("stickysim.padding", "NUL padding", base.DEC),
    text = ProtoField.string("stickysim.text", "Body as text"),
    raw = ProtoField.bytes("stickysim.raw", "Not a frame"),
}
p.fields = { f.framing, f.length, f.json_len, f.json, f.size, f.file_name, f.md5,
    f.body_len, f.body, f.text, f.raw, f.delimiter, f.padding }

local e_not_frame = ProtoExpert.new("stickysim.not_frame", "Not a stickysim frame",
    expert.group.MALFORMED, expert.severity.NOTE)
local e_cut = ProtoExpert.new("stickysim.cut", "Frame cut short (datagram too small)",
    expert.group.MALFORMED, expert.severity.WARN)
p.experts = { e_not_frame, e_cut }

local json_dissector = Dissector.get("json")

-- The 4-byte length at `off`: signed little-endian, or unsigned big-endian.
local function read_len(tvb, off)
    if p.prefs.big_endian then
        return tvb(off, 4):uint()
    end
    return tvb(off, 4):le_int()
end

local function json_size(text)
    local n = text:match('"total_size"%s*:%s*(%d+)') or text:match('"filesize"%s*:%s*(%d+)')
    return n and tonumber(n)
end

local function json_string(text, a, b)
    return text:match('"' .. a .. '"%s*:%s*"([^"]*)"')
        or (b and text:match('"' .. b .. '"%s*:%s*"([^"]*)"'))
end

-- How long the frame at `off` is, given `avail` bytes there:
--   total, kind           a complete frame of `total` bytes
--   -need                 not enough bytes: at least `need` in all
--   nil, reason           not a frame
local function frame_len(tvb, off, avail)
    if p.prefs.framing == FRAMING_LINE then
        local delim = DELIMITERS[p.prefs.delimiter]
        local at = tvb(off, avail):raw():find(delim, 1, true)
        if at then
            return at - 1 + #delim, FRAMING_LINE
        end
        if avail > p.prefs.max_frame then
            return nil, string.format("no delimiter in %d bytes", avail)
        end
        -- The line's length is unknown until its delimiter: ask for another segment.
        return -1
    end
    if p.prefs.framing == FRAMING_FIXED then
        local size = p.prefs.record_size
        if size < 1 then
            return nil, "record size 0"
        end
        if avail < size then
            return -size
        end
        return size, FRAMING_FIXED
    end
    if avail < 4 then
        return -4
    end
    local n = read_len(tvb, off)
    local framing = p.prefs.framing
    if framing == FRAMING_AUTO then
        if avail < 5 then
            return -5
        end
        if tvb(off + 4, 1):uint() == 0x7b and n >= 2 and n <= p.prefs.max_header then
            framing = FRAMING_JSON
        else
            framing = FRAMING_LP
        end
    end
    if framing == FRAMING_LP then
        if n < 0 or n > p.prefs.max_frame then
            return nil, string.format("length %d is not a body length (0 to %d)", n,
                p.prefs.max_frame)
        end
        if avail < 4 + n then
            return -(4 + n)
        end
        return 4 + n, FRAMING_LP
    end
    if n < 2 or n > p.prefs.max_header then
        return nil, string.format("JSON header length %d is out of range (2 to %d)", n,
            p.prefs.max_header)
    end
    if avail < 4 + n then
        return -(4 + n)
    end
    local size = json_size(tvb(off + 4, n):string(ENC_UTF_8))
    if not size then
        return nil, "the JSON header has no total_size or filesize"
    end
    if size > p.prefs.max_frame then
        return nil, string.format("body size %d is over %d", size, p.prefs.max_frame)
    end
    if avail < 4 + n + size then
        return -(4 + n + size)
    end
    return 4 + n + size, FRAMING_JSON
end

local function printable(s)
    return (s:gsub("[%c]", "."))
end

-- Shows one complete frame; returns a short summary for the Info column.
local function show_frame(tvb, pinfo, tree, kind)
    if kind == FRAMING_LINE or kind == FRAMING_FIXED then
        local blen, t
        if kind == FRAMING_LINE then
            local dlen = #DELIMITERS[p.prefs.delimiter]
            blen = tvb:len() - dlen
            t = tree:add(p, tvb(), string.format("stickysim frame: %d B body (line)", blen))
            t:add(f.framing, "line")
            t:add(f.delimiter, tvb(blen, dlen), DELIMITER_NAMES[p.prefs.delimiter])
        else
            blen = tvb:len()
            while blen > 0 and tvb(blen - 1, 1):uint() == 0 do
                blen = blen - 1
            end
            t = tree:add(p, tvb(), string.format("stickysim frame: %d B body, %d B padding (fixed)",
                blen, tvb:len() - blen))
            t:add(f.framing, "fixed")
            if blen < tvb:len() then
                t:add(f.padding, tvb(blen), tvb:len() - blen)
            end
        end
        t:add(f.body_len, blen)
        if blen == 0 then
            t:add(f.body, tvb(0, 0))
            return "[0 B]"
        end
        local body = tvb(0, blen)
        t:add(f.body, body)
        local s = body:string(ENC_UTF_8)
        t:add(f.text, body, s)
        return string.format("[%d B: %s]", blen, printable(s:sub(1, 24)))
    end
    local n = read_len(tvb, 0)
    local endian = p.prefs.big_endian and "big-endian" or "little-endian"
    local body_off, summary
    local t
    if kind == FRAMING_LP then
        t = tree:add(p, tvb(), string.format("stickysim frame: %d B body (length-prefix)", n))
        t:add(f.framing, "length-prefix")
        t:add(f.length, tvb(0, 4), n):append_text(" (" .. endian .. ")")
        body_off = 4
    else
        local text = tvb(4, n):string(ENC_UTF_8)
        local size = json_size(text)
        t = tree:add(p, tvb(), string.format(
            "stickysim frame: %d B JSON header, %d B body (json-header)", n, size))
        t:add(f.framing, "json-header")
        t:add(f.json_len, tvb(0, 4), n):append_text(" (" .. endian .. ")")
        local h = t:add(f.json, tvb(4, n), text)
        h:add(f.size, tvb(4, n), size)
        local name = json_string(text, "file_name", "filename")
        if name then
            h:add(f.file_name, tvb(4, n), name)
        end
        local md5 = json_string(text, "md5")
        if md5 then
            h:add(f.md5, tvb(4, n), md5)
        end
        if json_dissector then
            pcall(function() json_dissector:call(tvb(4, n):tvb(), pinfo, h) end)
        end
        body_off = 4 + n
    end
    local blen = tvb:len() - body_off
    t:add(f.body_len, blen)
    if blen > 0 then
        local body = tvb(body_off, blen)
        t:add(f.body, body)
        local s = body:string(ENC_UTF_8)
        t:add(f.text, body, s)
        summary = string.format("[%d B: %s]", blen, printable(s:sub(1, 24)))
    else
        t:add(f.body, tvb(body_off, 0))
        summary = "[0 B]"
    end
    return summary
end

local function show_raw(tvb, off, pinfo, tree, reason)
    local t = tree:add(p, tvb(off), "stickysim: not a frame")
    t:add(f.raw, tvb(off)):add_proto_expert_info(e_not_frame, reason)
end

function p.dissector(tvb, pinfo, tree)
    local len = tvb:len()
    if len == 0 then
        return 0
    end
    local is_udp = pinfo.port_type == 3 -- PT_UDP (pinfo.port_type: 2 = TCP, 3 = UDP)
    local off = 0
    local summaries = {}
    while off < len do
        local total, kind = frame_len(tvb, off, len - off)
        if total == nil then
            show_raw(tvb, off, pinfo, tree, kind)
            break
        end
        if total < 0 then
            if is_udp then
                local t = tree:add(p, tvb(off), "stickysim: frame cut short")
                t:add(f.raw, tvb(off)):add_proto_expert_info(e_cut)
                break
            end
            -- Ask TCP for the rest: the classic "TCP segment of a reassembled PDU".
            pinfo.desegment_offset = off
            if -total > 5 then
                pinfo.desegment_len = -total - (len - off)
            else
                pinfo.desegment_len = DESEGMENT_ONE_MORE_SEGMENT
            end
            break
        end
        summaries[#summaries + 1] = show_frame(tvb(off, total):tvb(), pinfo, tree, kind)
        off = off + total
    end
    if #summaries > 0 then
        pinfo.cols.protocol = "STICKYSIM"
        pinfo.cols.info = string.format("%d frame%s %s", #summaries,
            #summaries == 1 and "" or "s", table.concat(summaries, " "))
    end
    return len
end

local registered
local function register()
    local tcp, udp = DissectorTable.get("tcp.port"), DissectorTable.get("udp.port")
    if registered then
        tcp:remove(registered, p)
        udp:remove(registered, p)
    end
    registered = p.prefs.port
    tcp:add(registered, p)
    udp:add(registered, p)
end

function p.prefs_changed()
    register()
end

register()
