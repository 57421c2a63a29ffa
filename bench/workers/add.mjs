// The W7 job for piscina and tinypool: one object argument.
export default ({ a, b }) => a + b;
