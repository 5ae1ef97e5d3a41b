from churnwatch.bench.worker_log import longest_stall, overlapping_timers, replayed_records

TOPIC = "bench-1a7e663e-state-customer-state-changelog"

RESTART_LOG = """\
[2026-11-28 06:52:42,117] [22328] [INFO] [^---Recovery]: Highwater for active changelog partitions:
+Highwater - Active-----------------------------+-----------+-----------+
| topic                                         | partition | highwater |
+-----------------------------------------------+-----------+-----------+
| bench-1a7e663e-state-customer-state-changelog | 0         | 3325      |
| 〃                                            | 1         | 3364      |
| other-changelog                               | 0         | 999       |
+-----------------------------------------------+-----------+-----------+
[2026-11-28 06:52:42,117] [22328] [INFO] [^---Recovery]: active offsets at start of reading:
+Reading Starts At - Active---------------------+-----------+--------+
| topic                                         | partition | offset |
+-----------------------------------------------+-----------+--------+
| bench-1a7e663e-state-customer-state-changelog | 0         | 3300   |
| 〃                                            | 1         | -1     |
+-----------------------------------------------+-----------+--------+
"""


def test_replayed_records_are_read_from_fausts_recovery_tables():
    assert replayed_records(RESTART_LOG, TOPIC) == 25 + 3365
    assert replayed_records("no tables here\n", TOPIC) is None


def test_the_last_recovery_counts():
    again = RESTART_LOG.replace("| 0         | 3300   |", "| 0         | 3325   |").replace("| -1     |", "| 3364   |")
    assert replayed_records(RESTART_LOG + again, TOPIC) == 0


TIMERS_LOG = """\
[2026-11-28 06:57:15,866] [23139] [INFO] Timer livelock woke up too late, with a drift of +10.662821744001121 \
runtime=1.0409999958937988e-05 sleeptime=17.66282174400112
[2026-11-28 06:57:15,867] [23139] [INFO] Timer commit woke up too late, with a drift of +0.379752025000197 \
runtime=0.00010011799895437434 sleeptime=13.179752025000198
[2026-11-28 06:57:41,611] [23139] [WARNING] Timer publish-population is overlapping (interval=5.0 \
runtime=20.669413348998205)
[2026-11-28 06:57:51,611] [23139] [WARNING] Timer publish-population is overlapping (interval=5.0 runtime=6.5)
"""


def test_stalls_are_the_timers_drift_and_overruns():
    assert longest_stall(TIMERS_LOG) == 10.662821744001121
    assert overlapping_timers(TIMERS_LOG) == {"publish-population": 20.669413348998205}
    assert longest_stall("quiet\n") == 0.0 and overlapping_timers("quiet\n") == {}
