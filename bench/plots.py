"""PNG plots of one run: latency distributions, throughput versus clients, push latency versus
subscribers. Made from the samples in memory; the JSON keeps only their summaries."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def latency_distributions(series: dict[str, list[float]], path: Path, title: str) -> None:
    """Share of requests answered within x ms (x on a log scale), one line per phase."""
    figure, axes = plt.subplots(figsize=(8, 4.8))
    for name, values in series.items():
        if not values:
            continue
        ordered = sorted(v * 1000 for v in values)
        shares = [(i + 1) / len(ordered) for i in range(len(ordered))]
        axes.step(ordered, shares, where="post", label=f"{name} (n={len(ordered)})")
    axes.set_xscale("log")
    axes.set_xlabel("latency, ms (open loop: from the scheduled send time)")
    axes.set_ylabel("share of requests answered")
    axes.set_ylim(0, 1.01)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8, loc="lower right")
    axes.set_title(title, fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def throughput_versus_clients(
    clients: list[int], series: dict[str, list[float]], path: Path, title: str
) -> None:
    figure, axes = plt.subplots(figsize=(8, 4.8))
    for name, values in series.items():
        axes.plot(clients, values, marker="o", label=name)
    axes.set_xscale("log", base=2)
    axes.set_xticks(clients, [str(c) for c in clients])
    axes.set_yscale("log")
    axes.set_xlabel("clients (closed loop, one keep-alive connection each)")
    axes.set_ylabel("successful responses per second")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)
    axes.set_title(title, fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def push_versus_subscribers(
    subscribers: list[int], series: dict[str, list[float]], path: Path, title: str
) -> None:
    figure, axes = plt.subplots(figsize=(8, 4.8))
    for name, values in series.items():
        style = "--" if "request" in name else "-"
        axes.plot(subscribers, values, marker="o", linestyle=style, label=name)
    axes.set_xscale("log")
    axes.set_xticks(subscribers, [str(s) for s in subscribers])
    axes.set_yscale("symlog", linthresh=10)  # negative (before the response) to seconds
    axes.axhline(0, color="grey", linewidth=0.8)
    axes.set_xlabel("staff subscribers on ws/orders/")
    axes.set_ylabel("ms to the subscriber's frame (below 0: before the response)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)
    axes.set_title(title, fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
