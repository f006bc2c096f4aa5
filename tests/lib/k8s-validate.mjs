// k8s-validate.mjs [FILE|-]: validate every object of a multi-document
// Kubernetes YAML stream (helm template's output) offline, each by its
// apiVersion and kind, against kubernetes-models' schemas; and check that
// every container and init container of a pod template names an image,
// which the schema leaves optional. Prints "ok KIND NAME" or
// "invalid KIND NAME: WHY" per object; exits 1 if any is invalid, if a kind
// is unknown, or if there is no object at all.
// The models come from tests/lib/k8s-tools.sh's cache (TENC_K8S_TOOLS).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const dir = process.env.TENC_K8S_TOOLS || "/var/cache/tenc-k8s-tools";
const mods = join(dir, "node_modules");
const YAML = await import(pathToFileURL(join(mods, "yaml/dist/index.js")).href);

const file = process.argv[2] && process.argv[2] !== "-" ? process.argv[2] : 0;
// YAML 1.1, as Kubernetes reads it (0400 is octal there).
const docs = YAML.parseAllDocuments(readFileSync(file, "utf8"), { version: "1.1" });

// The pod spec of a workload, if it has one.
function podSpec(obj) {
	if (obj.kind === "Pod") return obj.spec;
	if (obj.kind === "CronJob") return obj.spec?.jobTemplate?.spec?.template?.spec;
	return obj.spec?.template?.spec;
}

function imageless(obj) {
	const spec = podSpec(obj);
	if (!spec) return [];
	return [...(spec.containers || []), ...(spec.initContainers || [])]
		.filter((c) => typeof c.image !== "string" || c.image.trim() === "" || /:$/.test(c.image))
		.map((c) => c.name);
}

async function validate(obj) {
	const { apiVersion, kind } = obj;
	if (!apiVersion || !kind) throw new Error("no apiVersion or kind");
	const path = join(mods, "kubernetes-models", apiVersion, `${kind}.js`);
	let mod;
	try {
		mod = await import(pathToFileURL(path).href);
	} catch {
		throw new Error(`unknown kind ${apiVersion} ${kind}`);
	}
	new mod[kind](obj).validate();
	const bad = imageless(obj);
	if (bad.length) throw new Error(`container(s) without an image: ${bad.join(", ")}`);
}

let n = 0, failed = 0;
for (const d of docs) {
	if (d.errors.length) {
		console.log(`invalid YAML: ${d.errors[0].message}`);
		failed++;
		continue;
	}
	const obj = d.toJS();
	if (obj === null || obj === undefined) continue;
	n++;
	const what = `${obj.kind} ${obj.metadata?.name}`;
	try {
		await validate(obj);
		console.log(`ok ${what}`);
	} catch (e) {
		console.log(`invalid ${what}: ${e.message}`);
		failed++;
	}
}
if (n === 0) {
	console.log("no object");
	process.exit(1);
}
process.exit(failed ? 1 : 0);
