# 第一版 client, as in the tutorial. Usage: first_round_trip.py PORT
import socket
import sys

port = int(sys.argv[1])
phone = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
phone.connect(('127.0.0.1', port))
phone.send('hello'.encode('utf-8'))
from_server_data = phone.recv(1024)
print(from_server_data)
phone.close()
