"""Publish readings at a steady rate, each stamped with the moment it is published."""

import datetime as dt
import json
import sys
import time

from telecare.mqtt import new_client, parse_mqtt_url


def main(broker_url: str, household: str, devices: int, rate: float, seconds: float) -> None:
    address = parse_mqtt_url(broker_url)
    client = new_client(address)
    client.max_inflight_messages_set(1000)
    client.connect(address.host, address.port)
    client.loop_start()
    began = time.monotonic()
    infos = []
    for n in range(int(rate * seconds)):
        delay = began + n / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        payload = json.dumps({"ts": dt.datetime.now(dt.UTC).isoformat(), "value": n % 2})
        infos.append(client.publish(f"telecare/v1/{household}/pir-{n % devices}/motion", payload, qos=1))
    for info in infos:
        info.wait_for_publish(timeout=60)
    client.disconnect()
    client.loop_stop()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]))
