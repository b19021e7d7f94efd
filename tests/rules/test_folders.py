"""V1: inbox folders."""

from tests.support.helpers import compose


def test_V1_every_folder(world):
    world("seats", "set", "ada", "--daily-limit", "2")
    drafted = compose(world, "kat")
    draft = compose(world, "grace", "alan", "kat", followup="Again", after="3d")
    threads = {t["candidate"]: t for t in world.json("schedule", draft["id"], "--at", "2026-12-02T09:00")["threads"]}
    world.json("tick", "--to", "2026-12-03")  # kat's initial hits the daily limit (third of the day)
    world.json("reply", threads["grace"]["id"])

    def ids(folder):
        return [m["id"] for m in world.json("inbox", "--folder", folder)]

    assert [d["id"] for d in world.json("inbox", "--folder", "drafts")] == [drafted["id"]]
    alan_i, alan_f = (m["id"] for m in threads["alan"]["messages"])
    grace_i, grace_f = (m["id"] for m in threads["grace"]["messages"])
    kat_i, kat_f = (m["id"] for m in threads["kat"]["messages"])
    assert ids("scheduled") == [alan_f]
    assert sorted(ids("sent")) == sorted([alan_i, grace_i])
    assert sorted(ids("awaiting-reply")) == sorted([alan_i, kat_i])
    assert ids("responded") == [grace_i]
    assert sorted(ids("canceled")) == sorted([grace_f, kat_i, kat_f])
    world.refused("inbox", "--folder", "spam", code="invalid_input")


def test_V1_empty_folder_is_empty_list(world):
    assert world.json("inbox", "--folder", "sent") == []
    assert "none" in world("inbox", "--folder", "sent").stdout
