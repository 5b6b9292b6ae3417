// The enrolment fields (server address, one-time code, laptop name), used
// at first run and on the Sync screen of a laptop not yet enrolled.
import type { IpcError } from "../../ipc";
import { TextInput } from "../fields";
import { fieldError } from "./problems";

export type EnrolValues = { server: string; code: string; device_name: string };

export const emptyEnrol: EnrolValues = { server: "", code: "", device_name: "" };

export function EnrolFields({ values, onChange, error }: {
  values: EnrolValues;
  onChange: (v: EnrolValues) => void;
  error: IpcError | null;
}) {
  return (
    <>
      <TextInput
        name="server" label="Server address" type="url" autoComplete="url"
        hint="From your trust's Doorstep administrator, for example https://doorstep.example.nhs.uk"
        value={values.server} onChange={(server) => onChange({ ...values, server })}
        error={fieldError(error, "server", "Server address")}
      />
      <TextInput
        name="code" label="One-time enrolment code" width={20}
        hint="Your administrator gives you this code. It works once."
        value={values.code} onChange={(code) => onChange({ ...values, code })}
        error={fieldError(error, "code", "Enrolment code")}
      />
      <TextInput
        name="device_name" label="A name for this laptop (optional)" width={20}
        hint="Administrators see this name, for example Foleshill team laptop 3. Do not use patient details."
        value={values.device_name} onChange={(device_name) => onChange({ ...values, device_name })}
        error={fieldError(error, "device_name", "Laptop name")}
      />
    </>
  );
}
