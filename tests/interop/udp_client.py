# The tutorial's UDP client. Usage: udp_client.py PORT
import socket
import sys

port = int(sys.argv[1])
udp_sk = socket.socket(type=socket.SOCK_DGRAM)
udp_sk.settimeout(10)
udp_sk.sendto(b'hello', ('127.0.0.1', port))
back_msg, addr = udp_sk.recvfrom(1024)
print(back_msg.decode('utf-8'), addr[1] == port)
# A datagram bigger than the server's recvfrom(1024): the rest is lost.
udp_sk.sendto(b'x' * 3000, ('127.0.0.1', port))
back_msg, addr = udp_sk.recvfrom(4096)
print(len(back_msg))
udp_sk.close()
