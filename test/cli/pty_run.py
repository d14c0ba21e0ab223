# Runs a command on a pseudo-terminal (a real TTY for the child), answering each prompt that contains
# "password" with the next line of ANSWERS; prints what the terminal showed, and exits with the child's code.
import json, os, pty, sys

argv = json.loads(sys.argv[1])
answers = json.loads(sys.argv[2])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
shown = b''
pending = b''
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    shown += chunk
    pending += chunk
    if b'password' in pending and answers:
        pending = b''
        os.write(fd, (answers.pop(0) + '\r').encode())
_, status = os.waitpid(pid, 0)
sys.stdout.write(shown.decode(errors='replace'))
sys.exit(os.waitstatus_to_exitcode(status))
