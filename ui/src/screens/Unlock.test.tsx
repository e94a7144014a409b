import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { Unlock } from "./Unlock";

afterEach(() => {
  cleanup();
  clearMocks();
});

const opened = {
  data_dir: "/data", encrypted: true, locked: false, initialized: true, keyring: false, remembered: false, notice: null,
};

describe("unlock screen", () => {
  it("sends the passphrase and hands on the unlocked startup", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return opened;
    });
    let got: unknown = null;
    render(<Unlock dataDir="/data" onUnlocked={(s) => (got = s)} />);
    fireEvent.input(screen.getByTestId("unlock-passphrase"), { target: { value: "violet anchor 42" } });
    fireEvent.submit(screen.getByTestId("unlock").closest("form")!);
    await waitFor(() => expect(got).toEqual(opened));
    expect(calls).toEqual([["unlock", { passphrase: "violet anchor 42", remember: false }]]);
  });

  it("offers to remember only where a keyring is, and sends the choice", async () => {
    render(<Unlock dataDir="/data" onUnlocked={() => {}} />);
    expect(screen.queryByTestId("unlock-remember")).toBeNull();
    cleanup();

    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return { ...opened, keyring: true, remembered: true };
    });
    let got: unknown = null;
    render(<Unlock dataDir="/data" keyring onUnlocked={(s) => (got = s)} />);
    const remember = screen.getByTestId("unlock-remember") as HTMLInputElement;
    expect(remember.checked).toBe(false);
    fireEvent.click(remember);
    fireEvent.input(screen.getByTestId("unlock-passphrase"), { target: { value: "violet anchor 42" } });
    fireEvent.submit(screen.getByTestId("unlock").closest("form")!);
    await waitFor(() => expect(got).not.toBeNull());
    expect(calls).toEqual([["unlock", { passphrase: "violet anchor 42", remember: true }]]);
  });

  it("says plainly that a wrong passphrase does not unlock, and stays locked", async () => {
    mockIPC(() => {
      throw { code: "wrong_passphrase", message: "the passphrase does not unlock this data directory", hint: null };
    });
    let got: unknown = null;
    render(<Unlock dataDir="/data" onUnlocked={(s) => (got = s)} />);
    fireEvent.input(screen.getByTestId("unlock-passphrase"), { target: { value: "not it" } });
    fireEvent.submit(screen.getByTestId("unlock").closest("form")!);
    const alert = await screen.findByTestId("unlock-error");
    expect(alert.textContent).toBe("That passphrase does not unlock this case folder.");
    expect(got).toBeNull();
  });
});
