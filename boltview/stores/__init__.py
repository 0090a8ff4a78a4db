"""The other bolt databases on a node, read in their own terms.

Each module here knows one store's schema: which buckets it keeps, what its
keys and values mean, and how its own tools (``etcdctl``, ``kubectl``) answer
questions about it.  :mod:`boltview.stores.recognize` tells which store a file
is, by its buckets; :mod:`boltview.stores.etcd` reads etcd's backend, and
:mod:`boltview.stores.kubernetes` the Kubernetes objects kept in it.
"""
