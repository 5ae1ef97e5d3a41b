"""`churnwatch bench`: the worker's figures beside a plain aiokafka consumer, in one run.

Modules: ``workload`` (simulated orders, paced live orders), ``baseline`` (the aiokafka
consumer), ``worker`` (a real worker process and what is read from it), ``worker_log`` (Faust's
recovery tables and timer complaints in its log), ``measure`` (pure arithmetic: scrapes, histogram
and sample quantiles, /proc), ``state_scale`` (N customers' states for the changelog, made from
a few built with the core), ``run`` (the phases), ``cleanup`` (topics and Redis keys of a run),
``report`` (table and JSON) and ``command`` (the click command).
"""
