# The tutorial's FTP upload client. Usage: upload_client.py PORT FOLDER
# It uploads FOLDER/config, as the tutorial's client uploads its Desktop folder's
# config (the tutorial's 'filepath' is that folder on the client's machine).
import json
import os
import socket
import struct
import sys

buffer = 1024
port = int(sys.argv[1])
sk = socket.socket()
sk.connect(('127.0.0.1', port))

head = {'filepath': sys.argv[2], 'filename': 'config', 'filesize': None}
file_path = os.path.join(head['filepath'], head['filename'])
filesize = os.path.getsize(file_path)
head['filesize'] = filesize
bytes_head = json.dumps(head).encode('utf-8')
sk.send(struct.pack('i', len(bytes_head)))
sk.send(bytes_head)
with open(file_path, 'rb') as f:
    while filesize:
        if filesize >= buffer:
            content = f.read(buffer)
            sk.send(content)
            filesize -= buffer
        else:
            content = f.read(filesize)
            sk.send(content)
            break
sk.close()
print('uploaded', os.path.getsize(file_path))
