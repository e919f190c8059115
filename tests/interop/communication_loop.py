# 第二版 client (communication loop). Usage: communication_loop.py PORT MSG...
# input() is replaced by the messages given on the command line.
import socket
import sys

port = int(sys.argv[1])
phone = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
phone.connect(('127.0.0.1', port))
for client_data in sys.argv[2:]:
    phone.send(client_data.encode('utf-8'))
    from_server_data = phone.recv(1024)
    print(from_server_data.decode('utf-8'))
phone.close()
