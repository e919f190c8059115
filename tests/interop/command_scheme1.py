# 方案一 client: raw command, reply framed with struct.pack('i', total_size).
# Usage: command_scheme1.py PORT CMD...   (input('>>>') replaced by the CMDs)
import socket
import struct
import sys

port = int(sys.argv[1])
phone = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
phone.connect(('127.0.0.1', port))
for cmd in sys.argv[2:]:
    cmd = cmd.strip()
    if not cmd: continue
    phone.send(cmd.encode('utf-8'))
    header = phone.recv(4)                       # assumes recv(4) returns 4 bytes
    total_size = struct.unpack('i', header)[0]
    recv_size = 0
    res = b''
    while recv_size < total_size:
        recv_data = phone.recv(1024)
        res += recv_data
        recv_size += len(recv_data)
    text = res.decode('gbk')
    print('%s %d %s' % (cmd, len(res), text.strip().splitlines()[0]))
phone.close()
