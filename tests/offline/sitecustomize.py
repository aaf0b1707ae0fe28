"""Block network access in every Python process of the test suite.

conftest.py puts this folder on PYTHONPATH, so Python imports this module at
start-up in the test process and in the notebook kernels nbval starts. Any
connection or name lookup beyond this machine then fails at once, so a hidden
download makes a test fail instead of passing only where there is internet.
"""

import ipaddress
import socket

LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


class NetworkBlockedError(OSError):
    """Raised instead of reaching the network during the tests."""


def _is_local(host):
    if host is None:
        return True
    host = host.decode() if isinstance(host, bytes) else str(host)
    if host in LOCAL_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _guard(host, what):
    if not _is_local(host):
        raise NetworkBlockedError(f"network access is blocked in the tests ({what} {host!r})")


def block_network():
    """Make sockets fail for every address that is not this machine."""
    if getattr(socket, "_rnnedu_blocked", False):
        return
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _guard(address[0], "connect to")
        return real_connect(self, address)

    def connect_ex(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _guard(address[0], "connect to")
        return real_connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        _guard(host, "look up")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
    socket.getaddrinfo = getaddrinfo
    socket._rnnedu_blocked = True


block_network()
