"""A node as a whole: its containerd installs, their content, and the other bolt stores beside them.

:mod:`~boltview.node.root` reads a node's filesystem from a copy of it (a
directory), never leaving it; :mod:`~boltview.node.installs` finds containerd's
roots; :mod:`~boltview.stores.recognize` tells which program wrote a bolt file;
:mod:`~boltview.node.scan` puts it together.
"""
