/* The response IPI on the BSP: sd_node_interrupt() in its handler. */
proctype interrupt_handler()
{
	byte j, c, stopped;

end_idle:
	do
	:: atomic { resp_ipi -> resp_ipi = 0 };
		node_interrupt()
	od
}
