# 方案二 client: raw command, reply with a JSON header.
# Usage: command_scheme2.py PORT CMD...   (input('>>>') replaced by the CMDs)
import json
import socket
import struct
import sys

port = int(sys.argv[1])
phone = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
phone.connect(('127.0.0.1', port))
for cmd in sys.argv[2:]:
    phone.send(cmd.encode('utf-8'))
    header_size = struct.unpack('i', phone.recv(4))[0]
    header_bytes = phone.recv(header_size)       # assumes the whole header in one recv
    header_dict = json.loads(header_bytes.decode('utf-8'))
    total_size = header_dict['total_size']
    recv_size = 0
    res = b''
    while recv_size < total_size:
        recv_data = phone.recv(1024)
        res += recv_data
        recv_size += len(recv_data)
    text = res.decode('gbk')
    print('%s %d %s %s' % (cmd, len(res), header_dict['file_name'], text.strip().splitlines()[0]))
phone.close()
