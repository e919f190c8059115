# Not the tutorial's: a client that sends a hostile header length (negative, as
# struct.pack('i', -1) gives). Usage: hostile_frame.py PORT
import socket
import struct
import sys

port = int(sys.argv[1])
sk = socket.socket()
sk.connect(('127.0.0.1', port))
sk.settimeout(10)
sk.send(struct.pack('i', -1))
try:
    data = sk.recv(1024)
    print('closed by the server' if data == b'' else 'got %r' % data)
except ConnectionResetError:
    print('closed by the server')
sk.close()
