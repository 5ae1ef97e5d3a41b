"""`churnwatch bench`: the worker's figures beside a plain aiokafka consumer, in one run.

Modules: ``workload`` (simulated orders, paced live orders), ``baseline`` (the aiokafka
consumer), ``worker`` (a real worker process and what is read from it), ``measure`` (pure
arithmetic: scrapes, histogram quantiles, /proc), ``run`` (the phases), ``cleanup`` (topics and
Redis keys of a run), ``report`` (table and JSON) and ``command`` (the click command).
"""
