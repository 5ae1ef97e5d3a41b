"""The embedded local stack: Apache Kafka (KRaft, from Maven Central jars) and Redis.

`churnwatch stack up | down | status` uses this package. It only ever stops processes it
started itself (their pids are kept in pid files under the stack directory).
"""
